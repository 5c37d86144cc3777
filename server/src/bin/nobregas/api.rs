//! The panel's REST API as the client sees it: where it is, the key, and what an answer means for
//! the exit code.
use nobregas_client::{Answer, Client, Error as ClientError};
use reqwest::{Method, StatusCode, Url};
use std::io::Read;
use std::net::IpAddr;
use std::process::ExitCode;

/// A failure, with the exit code `--help` documents.
#[derive(Debug)]
pub struct Failure {
    pub exit: u8,
    pub message: String,
}

pub const API_SAID_NO: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREACHABLE: u8 = 3;
pub const AUTHENTICATION: u8 = 4;

impl Failure {
    pub fn new(exit: u8, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    pub fn report(self) -> ExitCode {
        eprintln!("nobregas: {}", self.message);
        ExitCode::from(self.exit)
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Self::new(API_SAID_NO, format!("{err}"))
    }
}

/// Where the key comes from: never a command-line argument, where `ps` would show it.
pub enum KeySource {
    Env,
    File(std::path::PathBuf),
    Stdin,
}

pub fn read_key(source: &KeySource) -> Result<String, Failure> {
    let key = match source {
        KeySource::Env => std::env::var("NOBREGAS_API_KEY").map_err(|_| {
            Failure::usage("Set NOBREGAS_API_KEY to your API key (Profile → API Key), or use --api-key-file or --api-key-stdin.")
        })?,
        KeySource::File(path) => std::fs::read_to_string(path)
            .map_err(|err| Failure::usage(format!("Cannot read the API key from {}: {err}", path.display())))?,
        KeySource::Stdin => {
            let mut key = String::new();
            std::io::stdin().read_to_string(&mut key)?;
            key
        }
    };
    let key = key.trim().to_owned();
    if key.is_empty() {
        return Err(Failure::usage("The API key is empty."));
    }
    Ok(key)
}

/// The panel's address; plain `http://` only to this machine unless the user insists: the key must
/// not cross a network unencrypted.
pub fn base_url(raw: &str, insecure_http: bool) -> Result<Url, Failure> {
    let url = Url::parse(raw)
        .map_err(|err| Failure::usage(format!("NOBREGAS_URL {raw:?} is not a URL: {err}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if insecure_http || is_loopback(&url) => Ok(url),
        "http" => Err(Failure::usage(format!(
            "Refusing to send the API key over plain http to {}: use https, or --insecure-http if you really must.",
            url.host_str().unwrap_or_default()
        ))),
        other => Err(Failure::usage(format!(
            "NOBREGAS_URL must be http(s)://…, not {other}://"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

pub use nobregas_client::segment;

/// The REST API for the commands: the typed client, and raw requests for streams and uploads.
pub struct Api {
    client: Client,
}

/// An answer's body, as the API sent it (`--output json` prints it unchanged).
pub struct Body(pub String);

impl<T> From<&Answer<T>> for Body {
    fn from(answer: &Answer<T>) -> Self {
        Self(answer.raw.clone())
    }
}

/// The API's refusals, and a panel that cannot be reached, as exit codes.
impl From<ClientError> for Failure {
    fn from(err: ClientError) -> Self {
        let exit = match &err {
            ClientError::Unreachable(_) => UNREACHABLE,
            ClientError::Api { status, .. } if *status == StatusCode::UNAUTHORIZED => {
                AUTHENTICATION
            }
            ClientError::Invalid(_) => USAGE,
            _ => API_SAID_NO,
        };
        Failure::new(exit, err.to_string())
    }
}

impl Api {
    pub fn new(base: Url, key: Option<String>) -> Result<Self, Failure> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("nobregas/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|err| {
                Failure::new(UNREACHABLE, format!("Cannot start the HTTP client: {err}"))
            })?;
        Ok(Self {
            client: Client::new(base, key, http),
        })
    }

    /// One method per operation (`api.client().create_database(&request)`).
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, path)
    }

    /// The response when it is a success; the API's error (with its exit code) otherwise.
    pub async fn response(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Failure> {
        Ok(self.client.response(request).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in [
            "http://127.0.0.1:3000",
            "http://localhost:3000",
            "http://[::1]:3000",
            "https://panel.example.com",
        ] {
            assert!(base_url(ok, false).is_ok(), "{ok}");
        }
        let refused = base_url("http://panel.example.com", false).unwrap_err();
        assert_eq!(refused.exit, USAGE);
        assert!(base_url("http://panel.example.com", true).is_ok());
        assert!(base_url("ftp://panel.example.com", true).is_err());
    }

    #[test]
    fn unauthorized_and_unreachable_have_their_own_exit_codes() {
        let api = |status| ClientError::Api {
            status,
            code: String::new(),
            message: String::new(),
            mysql_errno: None,
        };
        assert_eq!(
            Failure::from(api(StatusCode::UNAUTHORIZED)).exit,
            AUTHENTICATION
        );
        assert_eq!(Failure::from(api(StatusCode::CONFLICT)).exit, API_SAID_NO);
        assert_eq!(
            Failure::from(ClientError::Unreachable("refused".into())).exit,
            UNREACHABLE
        );
    }
}
