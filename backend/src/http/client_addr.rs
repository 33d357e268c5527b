//! Who the client is and how it reached us. Behind a reverse proxy on the same host every
//! request comes from 127.0.0.1, so the proxy's `Forwarded` / `X-Forwarded-For` /
//! `X-Forwarded-Proto` are believed — but only from the addresses in `trusted_proxies`; from
//! anyone else they are ignored (a client could write anything there). Throttling, the audit
//! trail, sessions, `Secure` cookies and the `/metrics` rule all use this one answer.

use std::net::IpAddr;

use actix_web::{HttpRequest, web};
use ipnet::IpNet;

/// The networks whose forwarding headers are believed (`trusted_proxies`; none by default).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client as this request shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The client's address: the socket's peer, or the first address a trusted proxy forwarded
    /// for that is not itself a trusted proxy.
    pub ip: Option<IpAddr>,
    /// The request came through a trusted proxy (it sent forwarding headers).
    pub via_proxy: bool,
    /// The client used HTTPS: our own TLS, or a trusted proxy that says so.
    pub https: bool,
}

/// The client of `req`.
pub fn of(req: &HttpRequest) -> Client {
    let peer = req.peer_addr().map(|a| a.ip());
    let tls = req.app_config().secure();
    let direct = Client {
        ip: peer,
        via_proxy: false,
        https: tls,
    };
    let Some(peer) = peer else {
        return direct;
    };
    let trusted = req
        .app_data::<web::Data<TrustedProxies>>()
        .map(|t| t.get_ref().clone())
        .unwrap_or_default();
    if !trusted.trusts(peer) {
        return direct;
    }
    let (chain, proto) = forwarded(req);
    if chain.is_empty() && proto.is_none() {
        return direct;
    }
    // Rightmost first: each proxy appends the address it got the request from.
    let ip = chain
        .iter()
        .rev()
        .copied()
        .find(|ip| !trusted.trusts(*ip))
        .or_else(|| chain.first().copied())
        .unwrap_or(peer);
    Client {
        ip: Some(ip),
        via_proxy: true,
        https: tls
            || proto
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("https")),
    }
}

/// The host (and port) the client asked for: what a trusted proxy forwarded (`Forwarded: host=`
/// or `X-Forwarded-Host`), else the request's own `Host`. A stranger's forwarding headers are
/// ignored, as for the address.
pub fn host(req: &HttpRequest) -> String {
    let own = || {
        req.headers()
            .get(actix_web::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| req.uri().authority().map(|a| a.to_string()))
            .unwrap_or_default()
    };
    let trusted = req
        .app_data::<web::Data<TrustedProxies>>()
        .is_some_and(|t| req.peer_addr().is_some_and(|p| t.trusts(p.ip())));
    if !trusted {
        return own();
    }
    let headers = req.headers();
    let from_forwarded = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .next();
    let from_x = || {
        headers
            .get("x-forwarded-host")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
    };
    from_forwarded
        .or_else(from_x)
        .filter(|h| !h.is_empty())
        .unwrap_or_else(own)
}

/// Whether the request carries any forwarding header, trusted or not: on a request from
/// loopback, the sign that a proxy on this host passed it on (so it is not "local").
pub fn has_forwarding_headers(req: &HttpRequest) -> bool {
    [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|h| req.headers().contains_key(*h))
}

/// The address chain and protocol the proxy forwarded: `Forwarded` (RFC 7239) when present, else
/// `X-Forwarded-For` and `X-Forwarded-Proto`. Addresses that do not parse are skipped.
fn forwarded(req: &HttpRequest) -> (Vec<IpAddr>, Option<String>) {
    let headers = req.headers();
    let all = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    };
    let forwarded = all("forwarded");
    if !forwarded.is_empty() {
        let mut chain = Vec::new();
        let mut proto = None;
        for element in forwarded.iter().flat_map(|v| v.split(',')) {
            for pair in element.split(';') {
                let Some((key, value)) = pair.trim().split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "for" => chain.extend(parse_node(value)),
                    "proto" => proto = Some(value.to_owned()),
                    _ => {}
                }
            }
        }
        return (chain, proto);
    }
    let chain = all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|a| parse_node(a.trim()))
        .collect();
    let proto = all("x-forwarded-proto").last().map(|p| {
        p.split(',')
            .next_back()
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    (chain, proto)
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    text.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn client(peer: &str, trusted: &[&str], headers: &[(&str, &str)]) -> Client {
        let nets = crate::config::parse_proxies(Some(
            &trusted.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        ))
        .expect("nets");
        let peer: IpAddr = peer.parse().expect("peer");
        let mut req = TestRequest::default()
            .peer_addr(std::net::SocketAddr::new(peer, 5555))
            .app_data(web::Data::new(TrustedProxies(nets)));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        of(&req.to_http_request())
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("ip"))
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let forged = [
            ("x-forwarded-for", "203.0.113.7"),
            ("x-forwarded-proto", "https"),
        ];
        let from_stranger = client("198.51.100.2", &["127.0.0.1"], &forged);
        assert_eq!(from_stranger.ip, ip("198.51.100.2"));
        assert!(!from_stranger.via_proxy && !from_stranger.https);
        let none_trusted = client("127.0.0.1", &[], &forged);
        assert_eq!(none_trusted.ip, ip("127.0.0.1"));

        let proxied = client("127.0.0.1", &["127.0.0.1"], &forged);
        assert_eq!(proxied.ip, ip("203.0.113.7"));
        assert!(proxied.via_proxy && proxied.https);
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_address() {
        // The client wrote a fake first hop; the proxies appended the real ones.
        let c = client(
            "10.0.0.2",
            &["10.0.0.0/8"],
            &[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.9")],
        );
        assert_eq!(c.ip, ip("203.0.113.7"));
        let rfc = client(
            "::1",
            &["::1"],
            &[(
                "forwarded",
                "for=\"[2001:db8::5]:4711\";proto=https, for=10.1.1.1",
            )],
        );
        assert_eq!(rfc.ip, ip("10.1.1.1"));
        assert!(rfc.https);
    }

    #[test]
    fn proxies_parse_as_addresses_or_networks() {
        let nets = crate::config::parse_proxies(Some(&["10.1.2.3/8".into(), " ::1 ".into()]))
            .expect("parses");
        assert_eq!(nets[0].to_string(), "10.0.0.0/8");
        assert!(crate::config::parse_proxies(Some(&["localhost".into()])).is_err());
    }
}
