//! The HTTP layer shared by every domain: the error envelope, request bodies, pagination, the
//! client's address, request logging, CORS, the OpenAPI document and the stage a domain enters
//! the application by. It imports nothing above `config` and `db`.

pub mod body;
pub mod client;
pub mod cors;
pub mod error;
pub mod logging;
pub mod openapi;
pub mod pagination;
pub mod paths;
pub mod stage;
