//! Trusted reverse proxies: a request that comes from one is believed about the client's
//! address, scheme and host (`X-Forwarded-For`, `-Proto`, `-Host`). From anyone else those
//! headers are ignored, since any client can send them.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::header::{HeaderName, HeaderValue, HOST};

use crate::security::{ProxyPeer, Scheme};
use crate::{Error, Result, Settings};

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The networks of `trusted_proxies`, parsed once.
#[derive(Debug, Default)]
pub(crate) struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
    forward_host: bool,
}

impl TrustedProxies {
    pub(crate) fn new(settings: &Settings) -> Result<Self> {
        let networks = settings
            .trusted_proxies
            .iter()
            .map(|entry| parse_network(entry))
            .collect::<Result<_>>()?;
        Ok(TrustedProxies {
            networks,
            forward_host: settings.use_x_forwarded_host,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks
            .iter()
            .any(|(network, bits)| in_network(ip, *network, *bits))
    }

    /// When the peer is a trusted proxy: the client address becomes the rightmost
    /// `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left were
    /// written by the client and prove nothing; an entry that is not an address stops the
    /// walk, and the proxy stays the client). The scheme and, with `use_x_forwarded_host`,
    /// the host come from the rightmost `X-Forwarded-Proto` / `X-Forwarded-Host` value: the
    /// one the nearest proxy wrote. The host is then checked against `allowed_hosts`.
    pub(crate) fn apply<B>(&self, request: &mut http::Request<B>) {
        let Some(&ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
            return;
        };
        if !self.trusts(peer.ip()) {
            return;
        }
        let headers = request.headers();
        let client = self.client(headers);
        let scheme = last_value(headers, &X_FORWARDED_PROTO).and_then(|proto| {
            if proto.eq_ignore_ascii_case("https") {
                Some(Scheme::Https)
            } else if proto.eq_ignore_ascii_case("http") {
                Some(Scheme::Http)
            } else {
                None
            }
        });
        let host = self
            .forward_host
            .then(|| last_value(headers, &X_FORWARDED_HOST))
            .flatten()
            .and_then(|host| HeaderValue::from_str(host).ok());
        let extensions = request.extensions_mut();
        if let Some(client) = client {
            extensions.insert(ProxyPeer(peer));
            extensions.insert(ConnectInfo(SocketAddr::new(client, 0)));
        }
        if let Some(scheme) = scheme {
            extensions.insert(scheme);
        }
        if let Some(host) = host {
            request.headers_mut().insert(HOST, host);
        }
    }

    /// The client named by `X-Forwarded-For`, walking from the right past trusted proxies.
    fn client(&self, headers: &http::HeaderMap) -> Option<IpAddr> {
        for value in headers.get_all(X_FORWARDED_FOR).iter().rev() {
            let text = value.to_str().ok()?;
            for entry in text.rsplit(',') {
                let ip = parse_forwarded_address(entry.trim())?;
                if !self.trusts(ip) {
                    return Some(ip);
                }
            }
        }
        None
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`, as proxies write them.
fn parse_forwarded_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| entry.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// The rightmost comma-separated value of the last `name` header.
fn last_value<'a>(headers: &'a http::HeaderMap, name: &HeaderName) -> Option<&'a str> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    (!last.is_empty()).then_some(last)
}

/// `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
fn parse_network(entry: &str) -> Result<(IpAddr, u8)> {
    let bad = || {
        Error::Config(format!(
            "trusted_proxies has `{entry}`, which is not an IP address or network: write \
             `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`"
        ))
    };
    let (address, bits) = match entry.trim().split_once('/') {
        Some((address, bits)) => (address, Some(bits)),
        None => (entry.trim(), None),
    };
    let ip: IpAddr = address.parse().map_err(|_| bad())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(bits) => bits
            .parse::<u8>()
            .ok()
            .filter(|b| *b <= max)
            .ok_or_else(bad)?,
        None => max,
    };
    // An IPv4-mapped network (`::ffff:10.0.0.0/104`) is compared as the IPv4 network.
    match (ip, canonical(ip)) {
        (IpAddr::V6(_), v4 @ IpAddr::V4(_)) => Ok((v4, bits.checked_sub(96).ok_or_else(bad)?)),
        (_, ip) => Ok((ip, bits)),
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as dual-stack sockets report IPv4 peers)
/// compare as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let Some(shift) = 32u32.checked_sub(u32::from(bits)) else {
                return false;
            };
            let mask = u32::MAX.checked_shl(shift).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let Some(shift) = 128u32.checked_sub(u32::from(bits)) else {
                return false;
            };
            let mask = u128::MAX.checked_shl(shift).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        let mut settings = Settings::debug();
        settings.trusted_proxies = entries.iter().map(|s| s.to_string()).collect();
        TrustedProxies::new(&settings).unwrap()
    }

    #[test]
    fn networks_match_by_prefix() {
        let p = proxies(&["10.0.0.0/8", "192.168.1.7", "fd00::/8"]);
        assert!(p.trusts("10.200.3.4".parse().unwrap()));
        assert!(p.trusts("192.168.1.7".parse().unwrap()));
        assert!(p.trusts("::ffff:10.0.0.1".parse().unwrap()));
        assert!(p.trusts("fd12::1".parse().unwrap()));
        assert!(!p.trusts("11.0.0.1".parse().unwrap()));
        assert!(!p.trusts("192.168.1.8".parse().unwrap()));
        assert!(!p.trusts("fe80::1".parse().unwrap()));
        assert!(proxies(&["0.0.0.0/0"]).trusts("8.8.8.8".parse().unwrap()));
        // An IPv4-mapped entry is its IPv4 address, not "every IPv4 address".
        let mapped = proxies(&["::ffff:10.0.0.1", "::ffff:192.168.0.0/112"]);
        assert!(mapped.trusts("10.0.0.1".parse().unwrap()));
        assert!(!mapped.trusts("10.0.0.2".parse().unwrap()));
        assert!(mapped.trusts("192.168.7.7".parse().unwrap()));
        assert!(!mapped.trusts("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn malformed_entries_are_config_errors() {
        for entry in [
            "10.0.0.0/33",
            "proxy.local",
            "10.0.0/8",
            "::1/129",
            "",
            "::ffff:10.0.0.0/90",
        ] {
            let mut settings = Settings::debug();
            settings.trusted_proxies = vec![entry.to_string()];
            let err = TrustedProxies::new(&settings).unwrap_err().to_string();
            assert!(
                err.contains("not an IP address or network"),
                "{entry}: {err}"
            );
        }
    }
}
