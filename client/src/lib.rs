//! The panel's REST API as a typed client: one method per operation, taking and returning the
//! `types` crate's requests and answers, so the command line, the tests and the server agree on
//! every field by construction. Answers keep the body as the API sent it (`Answer::raw`) for
//! callers that print it unchanged.
mod operations;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use types::error::ErrorBody;
use url::Url;

/// A typed answer, its status and its body as the API sent it.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    /// 200, 201 or 202: which success it was.
    pub status: StatusCode,
    pub value: T,
    pub raw: String,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// No answer: the panel could not be reached (or the answer was cut off).
    Unreachable(String),
    /// The API said no, in its error shape (or, for a bare status, with an empty `code`).
    Api {
        status: StatusCode,
        code: String,
        message: String,
        mysql_errno: Option<u16>,
    },
    /// A success whose body is not what the operation answers.
    Unexpected(String),
    /// Not sent: the request cannot be written as a URL the panel would read as meant.
    Invalid(String),
}

impl Error {
    /// The API's error code (`not_found`, `validation_failed`, …); empty for other failures.
    pub fn code(&self) -> &str {
        match self {
            Self::Api { code, .. } => code,
            _ => "",
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(detail) => write!(f, "Could not reach the panel: {detail}"),
            Self::Api {
                message,
                mysql_errno: Some(errno),
                ..
            } => write!(f, "{message} (MariaDB error {errno})"),
            Self::Api { message, .. } => f.write_str(message),
            Self::Unexpected(detail) => write!(f, "Unexpected answer from the panel: {detail}"),
            Self::Invalid(detail) => f.write_str(detail),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The API at `base` (its `/api/…` paths are joined under the base's own path), with an API key or
/// without (revocation reports need none).
#[derive(Clone)]
pub struct Client {
    base: Url,
    key: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: Url, key: Option<String>, http: reqwest::Client) -> Self {
        Self { base, key, http }
    }

    /// `path` (with its query string, if any) under the base URL.
    pub fn url(&self, path: &str) -> Url {
        let (path, query) = path
            .split_once('?')
            .map_or((path, None), |(path, query)| (path, Some(query)));
        let mut url = self.base.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url.set_query(query);
        url
    }

    /// A request with the key, for what the typed methods do not cover (streams, uploads).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, self.url(path));
        match &self.key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// The response when it is a success; the API's error otherwise.
    pub async fn response(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let response = request.send().await.map_err(unreachable)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Err(api_error(status, &text))
    }

    async fn text(&self, request: reqwest::RequestBuilder) -> Result<(StatusCode, String)> {
        let response = self.response(request).await?;
        let status = response.status();
        Ok((status, response.text().await.map_err(unreachable)?))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer<T>> {
        let (status, raw) = self.text(request).await?;
        let value = serde_json::from_str(&raw).map_err(|err| Error::Unexpected(err.to_string()))?;
        Ok(Answer { status, value, raw })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Answer<T>> {
        self.call(self.request(Method::GET, path)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Answer<T>> {
        self.call(self.request(method, path).json(body)).await
    }

    /// For operations that answer 204 (or a body nobody reads): the success's status.
    async fn send_only(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<StatusCode> {
        let request = self.request(method, path);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        self.text(request).await.map(|(status, _)| status)
    }
}

/// A path segment from a name or id: names are the API's own (letters, digits, `_`) and ids
/// base62, so this only guards against a `/`, `?` or space reaching another endpoint.
pub fn segment(raw: &str) -> String {
    types::validate::encode_query_value(raw).replace('/', "%2F")
}

/// A table, column or index name as a path segment: every byte but RFC 3986's unreserved ones
/// percent-encoded (names may hold spaces, `/`, `?`, `#`, any Unicode). `.` and `..` are refused
/// before anything is sent: a URL reads them as "here" and "the parent", even percent-encoded, so
/// `DELETE …/tables/t/indexes/..` would be sent as `DELETE …/tables/t/`, another resource's path.
pub fn name_segment(name: &str) -> Result<String> {
    if name == "." || name == ".." {
        return Err(Error::Invalid(format!(
            "{name:?} cannot be named in a URL; use SQL (nobregas query) for it."
        )));
    }
    Ok(types::tables::percent_encode(name))
}

fn unreachable(err: reqwest::Error) -> Error {
    Error::Unreachable(err.to_string())
}

fn api_error(status: StatusCode, body: &str) -> Error {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => Error::Api {
            status,
            code: error.code,
            message: error.message,
            mysql_errno: error.mysql_errno,
        },
        Err(_) => Error::Api {
            status,
            code: String::new(),
            message: format!("The panel answered {status}"),
            mysql_errno: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(Url::parse(base).unwrap(), None, reqwest::Client::new())
    }

    #[test]
    fn paths_join_under_a_base_path() {
        let client = client("https://example.com/panel/");
        assert_eq!(
            client.url("/api/account").as_str(),
            "https://example.com/panel/api/account"
        );
        assert_eq!(
            client.url("/api/backups?database=a_b").as_str(),
            "https://example.com/panel/api/backups?database=a_b"
        );
    }

    #[test]
    fn names_are_one_segment_each_and_dot_segments_are_refused() {
        let client = client("https://example.com/");
        let name = name_segment("my table/x?y#z.é").unwrap();
        assert_eq!(name, "my%20table%2Fx%3Fy%23z.%C3%A9");
        let path = format!("/api/databases/a_b/tables/{name}/rows?limit=5");
        let url = client.url(&path);
        assert_eq!(
            url.path(),
            "/api/databases/a_b/tables/my%20table%2Fx%3Fy%23z.%C3%A9/rows"
        );
        assert_eq!(url.query(), Some("limit=5"));
        assert_eq!(name_segment("...").unwrap(), "...");
        for dots in [".", ".."] {
            assert!(
                matches!(name_segment(dots), Err(Error::Invalid(_))),
                "{dots}"
            );
        }
        // Why: the URL drops a dot segment even when it is percent-encoded.
        assert_eq!(
            client
                .url("/api/databases/a_b/tables/t/indexes/%2E%2E")
                .path(),
            "/api/databases/a_b/tables/t/"
        );
    }

    #[test]
    fn errors_keep_the_apis_code_and_bare_statuses_get_none() {
        let said = api_error(
            StatusCode::CONFLICT,
            r#"{"error":{"code":"conflict","message":"It already exists."}}"#,
        );
        assert_eq!(said.code(), "conflict");
        assert_eq!(said.status(), Some(StatusCode::CONFLICT));
        assert_eq!(said.to_string(), "It already exists.");
        let bare = api_error(StatusCode::BAD_GATEWAY, "<html>");
        assert_eq!(bare.code(), "");
        assert_eq!(bare.to_string(), "The panel answered 502 Bad Gateway");
    }
}
