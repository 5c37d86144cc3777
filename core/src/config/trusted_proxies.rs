//! The reverse proxies in front of the panel (`NOBREGAS_TRUSTED_PROXIES`), and who the client is
//! behind them: the TCP peer, unless that peer is one of them, whose `X-Forwarded-For`/
//! `X-Forwarded-Proto` are then believed. Anyone can send those headers, so from any other peer
//! they are ignored.
use crate::domain::caller::ClientInfo;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// Addresses and networks of the reverse proxies in front of the panel.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `"10.0.0.1, 192.168.0.0/16, ::1"`: comma-separated addresses or CIDR networks.
    pub fn parse(list: &str) -> Result<Self, String> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not an IP address or CIDR network"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: the right-most address of `X-Forwarded-For` that is not itself a
    /// trusted proxy (left-most entries are whatever the client chose to send).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap, tls: bool) -> ClientInfo {
        if !self.trusts(peer) {
            return ClientInfo {
                ip: Some(peer.to_canonical()),
                https: tls,
            };
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|item| item.trim().parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical())
            .collect();
        let ip = forwarded
            .iter()
            .rev()
            .find(|ip| !self.trusts(**ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer);
        // The nearest proxy appends last: its word on the scheme is the one that counts.
        let proto = headers
            .get_all("x-forwarded-proto")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .next_back()
            .map(|proto| proto.trim().eq_ignore_ascii_case("https"));
        ClientInfo {
            ip: Some(ip.to_canonical()),
            https: tls || proto.unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.1, 192.168.0.0/16").unwrap();
        let spoofed = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &spoofed, false),
            ClientInfo {
                ip: Some(ip("203.0.113.9")),
                https: false
            }
        );
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &spoofed, false),
            ClientInfo {
                ip: Some(ip("6.6.6.6")),
                https: true
            }
        );
    }

    #[test]
    fn takes_the_right_most_untrusted_address() {
        let proxies = TrustedProxies::parse("10.0.0.1,192.168.0.0/16").unwrap();
        // The client wrote "1.1.1.1" itself; the outer proxy 192.168.1.1 saw 198.51.100.7.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 192.168.1.1")]);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &chain, false).ip,
            Some(ip("198.51.100.7"))
        );
        let only_proxies = headers(&[("x-forwarded-for", "192.168.1.2, 192.168.1.1")]);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &only_proxies, false).ip,
            Some(ip("192.168.1.2"))
        );
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &headers(&[]), false).ip,
            Some(ip("10.0.0.1"))
        );
        let garbage = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &garbage, false).ip,
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn the_nearest_proxy_decides_the_scheme_and_tls_is_always_https() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        let both = headers(&[("x-forwarded-proto", "https, http")]);
        assert!(!proxies.client(ip("127.0.0.1"), &both, false).https);
        assert!(proxies.client(ip("127.0.0.1"), &headers(&[]), true).https);
        assert!(
            proxies
                .client(
                    ip("::ffff:127.0.0.1"),
                    &headers(&[("x-forwarded-proto", "HTTPS")]),
                    false
                )
                .https
        );
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.1, nonsense").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }
}
