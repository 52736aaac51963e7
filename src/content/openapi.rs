//! The OpenAPI part of every resource, generated from the same descriptions that drive its
//! routes: the schemas (row, create body, update body, page) and the five operations.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Schema};

use crate::content::{Kind, Resource, rest};
use crate::http::pagination::Paging;
use utoipa::IntoParams;

pub fn type_name(res: &Resource) -> String {
    res.name
        .split([' ', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn scalar(t: Type, nullable: bool) -> ObjectBuilder {
    if nullable {
        ObjectBuilder::new().schema_type(SchemaType::from_iter([t, Type::Null]))
    } else {
        ObjectBuilder::new().schema_type(t)
    }
}

/// Characters a text field refuses: the C0 and C1 controls (`char::is_control`), except tab,
/// line feed and carriage return in multiline text.
fn controls(multiline: bool) -> &'static str {
    if multiline {
        r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    } else {
        r"\x00-\x1f\x7f-\x9f"
    }
}

/// How a field reads or is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// In a row the server answers: `nullable` says whether it can be null.
    Row { nullable: bool },
    /// In a body that creates or changes a row; `required` fields cannot be cleared.
    Input { required: bool, create: bool },
}

fn field_schema(kind: Kind, usage: Use, doc: &str) -> Schema {
    // Optional fields take null (and `""` or the id 0) for "none"; on update, null for a
    // required field leaves it as it is.
    let (nullable, clearable) = match usage {
        Use::Row { nullable } => (nullable, false),
        Use::Input { required, create } => (!required || !create, !required),
    };
    let b = match kind {
        Kind::Text { max, multiline } => {
            let c = controls(multiline);
            let b = scalar(Type::String, nullable).max_length(Some(max));
            match usage {
                // Trimmed, so at least one character that is not white space.
                Use::Input { .. } if !clearable => b
                    .min_length(Some(1))
                    .pattern(Some(format!(r"^[^{c}]*[^\s{c}][^{c}]*$"))),
                Use::Input { .. } => b.pattern(Some(format!("^[^{c}]*$"))),
                Use::Row { .. } => b,
            }
        }
        Kind::Int { min, max } => scalar(Type::Integer, nullable)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(min as f64))
            .maximum(Some(max as f64)),
        Kind::Ref { .. } | Kind::Account | Kind::Group => scalar(Type::Integer, nullable)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(if clearable { 0.0 } else { 1.0 })),
    };
    Schema::Object(b.description((!doc.is_empty()).then_some(doc)).build())
}

fn row_schema(res: &Resource) -> Schema {
    let mut o = ObjectBuilder::new()
        .property("id", scalar(Type::Integer, false))
        .required("id");
    if let Some(owner) = res.owner {
        o = o.property(
            owner,
            scalar(Type::Integer, true).description(Some("The author.")),
        );
    }
    for f in res.fields {
        let nullable = !f.required && f.default.is_none();
        o = o.property(f.name, field_schema(f.kind, Use::Row { nullable }, f.doc));
        if f.markdown {
            o = o.property(
                format!("{}_html", f.name),
                scalar(Type::String, nullable).description(Some(
                    "The Markdown rendered on the server and sanitized: safe to insert as HTML.",
                )),
            );
        }
    }
    if res.moderated {
        o = o
            .property(
                "status",
                scalar(Type::String, false).enum_values(Some(["pending", "approved", "rejected"])),
            )
            .property("status_reason", scalar(Type::String, true))
            .property("moderated_by", scalar(Type::Integer, true))
            .property("moderated_at", scalar(Type::Integer, true));
    }
    o = o
        .property(
            "created_at",
            scalar(Type::Integer, false).description(Some("Unix milliseconds.")),
        )
        .property(
            "updated_at",
            scalar(Type::Integer, false).description(Some("Unix milliseconds.")),
        );
    Schema::Object(o.build())
}

fn input_schema(res: &Resource, create: bool) -> Schema {
    let mut o = ObjectBuilder::new();
    for f in res.fields {
        if res.parent.is_some_and(|p| p.field == f.name) {
            continue;
        }
        let usage = Use::Input {
            required: f.required,
            create,
        };
        o = o.property(f.name, field_schema(f.kind, usage, f.doc));
        if create && f.required {
            o = o.required(f.name);
        }
    }
    Schema::Object(o.build())
}

fn json_response(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

fn error_response() -> utoipa::openapi::Response {
    json_response(
        "The error envelope",
        RefOr::Ref(Ref::from_schema_name("ErrorBody")),
    )
}

fn int_param(
    name: &str,
    location: ParameterIn,
    required: bool,
    doc: &str,
) -> utoipa::openapi::path::Parameter {
    let schema =
        scalar(Type::Integer, false).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
    // Ids in paths are positive (0, negatives and numbers past 64 bits answer 400).
    let schema = if location == ParameterIn::Path {
        schema.minimum(Some(1.0))
    } else {
        schema
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(doc))
        .schema(Some(schema))
        .build()
}

/// Rocket's `<name>` segments as OpenAPI's `{name}`.
fn openapi_path(rocket_path: &str) -> String {
    format!("/api/v1{}", rocket_path.replace('<', "{").replace('>', "}"))
}

/// Adds the schemas and operations of `res` to `doc`.
pub fn add(doc: &mut OpenApi, res: &Resource) {
    let name = type_name(res);
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert(name.clone(), RefOr::T(row_schema(res)));
    components
        .schemas
        .insert(format!("{name}Create"), RefOr::T(input_schema(res, true)));
    components
        .schemas
        .insert(format!("{name}Update"), RefOr::T(input_schema(res, false)));
    let page = ObjectBuilder::new()
        .property(
            "items",
            ArrayBuilder::new().items(RefOr::Ref(Ref::from_schema_name(&name))),
        )
        .required("items")
        .property("next_cursor", scalar(Type::String, true))
        .required("next_cursor");
    components.schemas.insert(
        format!("{name}Page"),
        RefOr::T(Schema::Object(page.build())),
    );

    let (collection, item) = rest::paths(res);
    let parent_params: Vec<_> = res
        .parent
        .iter()
        .map(|p| {
            int_param(
                "parent",
                ParameterIn::Path,
                true,
                &format!("The `{}` of the parent.", p.field),
            )
        })
        .collect();
    let id_param = int_param(
        "id",
        ParameterIn::Path,
        true,
        &format!("The {}'s id.", res.name),
    );
    let security = SecurityRequirement::new("bearer", Vec::<String>::new());
    let op = |summary: String| {
        OperationBuilder::new()
            .tag(res.tag)
            .summary(Some(summary))
            .security(security.clone())
            .response("4XX", error_response())
    };
    // A PATCH without a body changes nothing and answers the row.
    let body = |schema: String, required: Required| {
        Some(
            RequestBodyBuilder::new()
                .required(Some(required))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(Ref::from_schema_name(schema))))
                        .build(),
                )
                .build(),
        )
    };
    let row = || {
        json_response(
            &format!("The {}", res.name),
            RefOr::Ref(Ref::from_schema_name(&name)),
        )
    };

    let mut list_params = parent_params.clone();
    list_params.extend(<Paging as IntoParams>::into_params(|| {
        Some(ParameterIn::Query)
    }));
    for (param, column) in res.filters {
        let p = if *column == "status" {
            ParameterBuilder::new()
                .name(*param)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(
                    scalar(Type::String, false)
                        .enum_values(Some(["pending", "approved", "rejected"])),
                ))
                .build()
        } else {
            int_param(
                param,
                ParameterIn::Query,
                false,
                &match column.strip_suffix(crate::content::SUBGROUPS) {
                    Some(column) => {
                        format!(
                            "Only rows whose `{column}` is this group or one of its sub-groups."
                        )
                    }
                    None => format!("Only rows whose `{column}` is this."),
                },
            )
        };
        list_params.push(p);
    }
    let mut item_params = parent_params.clone();
    item_params.push(id_param);

    let paths = &mut doc.paths;
    let list = op(format!("List {}s, newest first", res.name))
        .operation_id(Some(format!("list_{}", res.table)))
        .parameters(Some(list_params))
        .response(
            "200",
            json_response(
                "A page",
                RefOr::Ref(Ref::from_schema_name(format!("{name}Page"))),
            ),
        );
    paths.add_path_operation(
        openapi_path(&collection),
        vec![HttpMethod::Get],
        list.build(),
    );
    let create = op(format!("Create a {}", res.name))
        .operation_id(Some(format!("create_{}", res.table)))
        .parameters(Some(parent_params))
        .request_body(body(format!("{name}Create"), Required::True))
        .response("201", row());
    paths.add_path_operation(
        openapi_path(&collection),
        vec![HttpMethod::Post],
        create.build(),
    );
    let get = op(format!("Get one {}", res.name))
        .operation_id(Some(format!("get_{}", res.table)))
        .parameters(Some(item_params.clone()))
        .response("200", row());
    paths.add_path_operation(openapi_path(&item), vec![HttpMethod::Get], get.build());
    let update = op(format!("Change a {}", res.name))
        .operation_id(Some(format!("update_{}", res.table)))
        .parameters(Some(item_params.clone()))
        .request_body(body(format!("{name}Update"), Required::False))
        .response("200", row());
    paths.add_path_operation(openapi_path(&item), vec![HttpMethod::Patch], update.build());
    let delete = op(format!("Delete a {}", res.name))
        .operation_id(Some(format!("delete_{}", res.table)))
        .parameters(Some(item_params))
        .response("204", ResponseBuilder::new().description("Deleted").build());
    paths.add_path_operation(
        openapi_path(&item),
        vec![HttpMethod::Delete],
        delete.build(),
    );
}
