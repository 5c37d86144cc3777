//! Where a webhook may point. The panel posts from inside the operator's network, so a customer's
//! URL could otherwise reach what only the panel can: the managed servers, a cloud's metadata
//! service (169.254.169.254), admin pages on localhost. Hosts are resolved and every address must
//! be public, when the webhook is added and again at each attempt (a name can be re-pointed
//! later); the request then goes to the address that was checked, not to a second lookup.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use types::error::AppError;
use url::Url;

const MAX_URL_LEN: usize = 2048;

/// A webhook URL: http or https, a host, no credentials in it.
pub fn parse(text: &str) -> Result<Url, AppError> {
    let text = text.trim();
    if text.len() > MAX_URL_LEN {
        return Err(AppError::validation(format!(
            "The webhook URL is longer than {MAX_URL_LEN} characters."
        )));
    }
    let url = Url::parse(text)
        .map_err(|err| AppError::validation(format!("The webhook URL is not a URL: {err}.")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::validation(
            "The webhook URL must start with https:// (or http://).",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AppError::validation("The webhook URL has no host."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::validation(
            "The webhook URL must not carry a user name or password; the secret signs each request instead.",
        ));
    }
    Ok(url)
}

/// The addresses `url`'s host resolves to, every one of them public unless `allow_private`.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, AppError> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    // `[::1]` comes back with its brackets; the resolver wants the bare address.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|err| {
            AppError::validation(format!(
                "The webhook's host {host} could not be resolved: {err}."
            ))
        })?
        .collect();
    if addresses.is_empty() {
        return Err(AppError::validation(format!(
            "The webhook's host {host} has no address."
        )));
    }
    if !allow_private && let Some(inner) = addresses.iter().find(|a| !is_public(a.ip())) {
        return Err(AppError::validation(format!(
            "The webhook's host {host} resolves to {}, a loopback, private or link-local address: \
             the panel posts to public addresses only, unless its operator allows private ones \
             (NOBREGAS_WEBHOOK_ALLOW_PRIVATE=1).",
            inner.ip()
        )));
    }
    Ok(addresses)
}

/// An address on the public internet: none of loopback, private (RFC 1918, unique local),
/// link-local, shared (CGNAT), unspecified, multicast, broadcast or documentation ranges.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b);
    let benchmarking = a == 198 && (b == 18 || b == 19);
    let reserved = a >= 240;
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || shared
        || benchmarking
        || reserved)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || documentation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(parse("https://hooks.example.com/x?y=1").is_ok());
        assert!(parse("http://203.0.113.9:8080/").is_ok());
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://user:pw@example.com/",
            "not a url",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        let url = parse("http://127.0.0.1:9/hook").unwrap();
        let refused = resolve(&url, false).await.unwrap_err();
        assert!(
            refused.message.contains("NOBREGAS_WEBHOOK_ALLOW_PRIVATE"),
            "{}",
            refused.message
        );
        assert_eq!(resolve(&url, true).await.unwrap()[0].port(), 9);
        let v6 = parse("http://[::1]:9/").unwrap();
        assert!(resolve(&v6, false).await.is_err());
    }
}
