//! The OpenAPI 3 document, generated from the handlers' annotations and the shared models.
use app::error::{ErrorBody, ErrorDetail};
use app::model::{Account, ApiKeyInfo, Database, DatabaseList};
use axum::Json;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Nobregas MySQL Panel API", version = "1",
        description = "Manage your MySQL/MariaDB databases. Authenticate with `Authorization: Bearer <API key>` \
                       (Profile → API Key). Errors are `{\"error\":{\"code\",\"message\"}}`."),
    paths(super::account::show, super::databases::list),
    components(schemas(Account, ApiKeyInfo, Database, DatabaseList, ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("nbg_…").build()),
        );
    }
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

pub async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&DOCUMENT)
}
