//! The HTTP layer shared by every domain: the error envelope, guards, bodies, pagination,
//! request logging, CORS and the OpenAPI document.

pub mod body;
pub mod cors;
pub mod error;
pub mod guards;
pub mod logging;
pub mod openapi;
pub mod pagination;
pub mod paths;
pub mod seed;
