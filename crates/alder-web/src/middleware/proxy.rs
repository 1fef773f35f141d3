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
}

impl TrustedProxies {
    pub(crate) fn new(settings: &Settings) -> Result<Self> {
        let networks = settings
            .trusted_proxies
            .iter()
            .map(|entry| parse_network(entry))
            .collect::<Result<_>>()?;
        Ok(TrustedProxies { networks })
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
    /// written by the client and prove nothing), the scheme the first `X-Forwarded-Proto`
    /// value, the `Host` the first `X-Forwarded-Host` value (then checked against
    /// `allowed_hosts` like any other).
    pub(crate) fn apply<B>(&self, request: &mut http::Request<B>) {
        let Some(&ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
            return;
        };
        if !self.trusts(peer.ip()) {
            return;
        }
        let headers = request.headers();
        let client = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip));
        let scheme = first_value(headers.get(X_FORWARDED_PROTO)).and_then(|proto| {
            match proto.to_ascii_lowercase().as_str() {
                "https" => Some(Scheme::Https),
                "http" => Some(Scheme::Http),
                _ => None,
            }
        });
        let host = first_value(headers.get(X_FORWARDED_HOST))
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
}

fn first_value(value: Option<&HeaderValue>) -> Option<&str> {
    let first = value?.to_str().ok()?.split(',').next()?.trim();
    (!first.is_empty()).then_some(first)
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
    Ok((canonical(ip), bits))
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
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
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
    }

    #[test]
    fn malformed_entries_are_config_errors() {
        for entry in ["10.0.0.0/33", "proxy.local", "10.0.0/8", "::1/129", ""] {
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
