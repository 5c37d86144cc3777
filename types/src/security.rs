//! Account security: the panel password and the browser sessions signed in to the account.
use serde::{Deserialize, Serialize};

/// `PUT /api/account/password`: needs the current password; every other session is signed out.
// Debug shows no password: it must never reach a log line.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    pub current_password: String,
    /// 8 to 128 characters.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword").finish_non_exhaustive()
    }
}

/// The answer to a password change or to "sign out all other sessions".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignedOut {
    /// How many other sessions were signed out.
    pub signed_out: u64,
}

/// One browser signed in to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; refreshed at most once a minute.
    pub last_seen_at: String,
    /// The client's address when last seen.
    pub ip: Option<String>,
    /// Browser and system read from the User-Agent ("Firefox on Linux"), or "Unknown browser".
    pub browser: String,
    /// The session this request came with ("this device").
    pub current: bool,
}

/// `GET /api/account/sessions`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// "Firefox on Linux" from a User-Agent header: the browser families and systems people name.
/// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
pub fn browser_name(user_agent: &str) -> String {
    const BROWSERS: [(&str, &str); 8] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("python-requests/", "Python requests"),
    ];
    const SYSTEMS: [(&str, &str); 7] = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS
        .iter()
        .find(|(token, _)| user_agent.contains(token))
        .map(|(_, name)| *name);
    let system = SYSTEMS
        .iter()
        .find(|(token, _)| user_agent.contains(token))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => "Unknown browser".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn user_agents_read_as_people_name_them() {
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(browser_name(chrome_linux), "Chrome on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(browser_name(edge), "Edge on Windows");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_name(safari_iphone), "Safari on iOS");
        let firefox_android =
            "Mozilla/5.0 (Android 14; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0";
        assert_eq!(browser_name(firefox_android), "Firefox on Android");
        assert_eq!(browser_name("curl/8.5.0"), "curl");
        assert_eq!(browser_name(""), "Unknown browser");
    }
}
