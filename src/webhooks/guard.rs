//! SSRF guard for outbound webhook deliveries: which addresses a delivery may reach, and the HTTP client that
//! enforces it (no redirects, no proxy, bounded timeouts, bounded response reads).
//!
//! A webhook URL is chosen by whoever registers the endpoint, so without a guard the hub could be made to call
//! its own admin surface, a database on the private network or the cloud metadata service (169.254.169.254).
//! Private, loopback, link-local and other non-public ranges are therefore refused unless the operator
//! allow-lists them in config ([`AddressPolicy`]).
//!
//! Hostnames are checked by a custom DNS resolver ([`GuardedResolver`]) rather than by resolving once up front:
//! the resolver filters the very addresses the connection will use, so a name that resolves to a public
//! address at check time and to 127.0.0.1 a moment later (DNS rebinding) cannot slip through between check and
//! connect. IP-literal URLs (`http://10.0.0.1/`, `http://[::1]/`) never reach the resolver — hyper connects
//! to them directly — so they are checked separately by [`AddressPolicy::check_url`], which callers must run on
//! every delivery URL before sending it with the [`delivery_client`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use reqwest::{Client, Response};

/// The `User-Agent` sent with every delivery.
pub const USER_AGENT: &str = concat!("hub-webhooks/", env!("CARGO_PKG_VERSION"));

/// Idle connections kept per host: deliveries go in bulk to a handful of receivers.
const POOL_MAX_IDLE_PER_HOST: usize = 64;

/// How long an idle pooled connection is kept before being closed.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Which target addresses deliveries may connect to.
///
/// Public addresses are always allowed; non-public ranges (see [`AddressPolicy::check_ip`]) only when they fall
/// inside one of the allow-listed networks.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy allowing public addresses plus the given networks (e.g. `127.0.0.0/8` for local receivers).
    pub fn new(allow: Vec<IpNet>) -> AddressPolicy {
        AddressPolicy { allow }
    }

    /// The allow-listed networks.
    pub fn allowed(&self) -> &[IpNet] {
        &self.allow
    }

    /// Ok when `ip` is public, or inside an allow-listed network; otherwise the reason (which range).
    ///
    /// IPv6 addresses that embed an IPv4 address (IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`, NAT64
    /// `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the embedded IPv4 address; allow-listing that IPv4
    /// address also allows them.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), RefusedAddress> {
        let Some(range) = non_public_range(ip) else {
            return Ok(());
        };
        if self.is_allow_listed(ip) {
            return Ok(());
        }
        Err(RefusedAddress { ip, range })
    }

    /// Checks a delivery URL before any connection: scheme http or https, a host, no user:password, and when the
    /// host is an IP literal, [`check_ip`](Self::check_ip). (Hostnames are checked at resolution by the
    /// [`GuardedResolver`].)
    pub fn check_url(&self, url: &Url) -> Result<(), RefusedTarget> {
        match url.scheme() {
            "http" | "https" => {}
            other => return Err(RefusedTarget::BadUrl(format!("scheme `{other}` is not allowed, use http or https"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RefusedTarget::BadUrl("credentials (user:password@) are not allowed in the URL".to_owned()));
        }
        let host = match url.host_str() {
            None => return Err(RefusedTarget::BadUrl("the URL has no host".to_owned())),
            Some("") => return Err(RefusedTarget::BadUrl("the URL has an empty host".to_owned())),
            Some(host) => host,
        };
        // `Url` normalises IP hosts for http(s) (`http://2130706433/` and `http://0x7f.1/` become `127.0.0.1`),
        // and writes IPv6 hosts in brackets.
        let literal = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
            None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        };
        match literal {
            Some(ip) => Ok(self.check_ip(ip)?),
            None if host.starts_with('[') => Err(RefusedTarget::BadUrl(format!("unparseable IPv6 host `{host}`"))),
            None => Ok(()),
        }
    }

    fn is_allow_listed(&self, ip: IpAddr) -> bool {
        let embedded = match ip {
            IpAddr::V6(v6) => embedded_ipv4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.allow.iter().any(|net| net.contains(&ip) || embedded.is_some_and(|v4| net.contains(&v4)))
    }
}

/// An address the policy refuses, with the name of the range it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is a {range} address")]
pub struct RefusedAddress {
    /// The refused address, as resolved or written in the URL.
    pub ip: IpAddr,
    /// The range it falls in: "loopback", "private", "link-local", ...
    pub range: &'static str,
}

/// Why a delivery target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedTarget {
    /// The URL itself is unusable (scheme, missing host, credentials); the reason says which.
    #[error("webhook URL refused: {0}")]
    BadUrl(String),
    /// The URL's host is an IP literal in a refused range.
    #[error("webhook target refused: {0}")]
    Address(#[from] RefusedAddress),
    /// The host name resolved, but to no address the policy allows.
    #[error("webhook target refused: {host} {}", describe_refused(.refused))]
    NoAllowedAddress {
        /// The host name that was resolved.
        host: String,
        /// Every address it resolved to, each with its range (empty when it resolved to nothing).
        refused: Vec<RefusedAddress>,
    },
}

fn describe_refused(refused: &[RefusedAddress]) -> String {
    struct List<'a>(&'a [RefusedAddress]);
    impl fmt::Display for List<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for (i, r) in self.0.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{} ({})", r.ip, r.range)?;
            }
            Ok(())
        }
    }
    if refused.is_empty() {
        "resolved to no address".to_owned()
    } else {
        format!("resolves only to refused addresses: {}", List(refused))
    }
}

/// The name of the non-public range `ip` belongs to, or `None` for a public address.
fn non_public_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => ipv4_range(v4),
        IpAddr::V6(v6) => ipv6_range(v6),
    }
}

fn ipv4_range(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let range = if ip.is_unspecified() {
        "unspecified"
    } else if a == 0 {
        "this-network"
    } else if ip.is_loopback() {
        "loopback"
    } else if ip.is_private() {
        "private"
    } else if ip.is_link_local() {
        "link-local"
    } else if a == 100 && (b & 0b1100_0000) == 64 {
        "shared (CGNAT)"
    } else if a == 198 && (b & 0xfe) == 18 {
        "benchmarking"
    } else if ip.is_documentation() {
        "documentation"
    } else if a == 192 && b == 0 && c == 0 {
        "IETF protocol assignment"
    } else if ip.is_multicast() {
        "multicast"
    } else if ip.is_broadcast() {
        "broadcast"
    } else if a >= 240 {
        "reserved"
    } else {
        return None;
    };
    Some(range)
}

fn ipv6_range(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if let Some(v4) = embedded_ipv4(ip) {
        ipv4_range(v4)
    } else if ip.is_unique_local() {
        Some("private")
    } else if ip.is_unicast_link_local() {
        Some("link-local")
    } else if (s[0] & 0xffc0) == 0xfec0 {
        Some("site-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && (s[1] & 0xf000) == 0) {
        Some("documentation")
    } else {
        None
    }
}

/// The IPv4 address embedded in an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) or 6to4 (`2002:AABB:CCDD::/48`) address. `::` and `::1` are not IPv4-compatible.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if ip.is_unspecified() || ip.is_loopback() {
        return None;
    }
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] | [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            Some(low(hi, lo))
        }
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

/// A reqwest DNS resolver that resolves with [`tokio::net::lookup_host`] and keeps only addresses the policy
/// allows; if none are left the resolution fails with a message naming the host and each refused address and
/// its range ([`RefusedTarget::NoAllowedAddress`]).
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: Arc<AddressPolicy>) -> GuardedResolver {
        GuardedResolver { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest substitutes the URL's (or the scheme's default) port.
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut allowed: Vec<SocketAddr> = Vec::new();
            let mut refused: Vec<RefusedAddress> = Vec::new();
            for addr in resolved {
                match policy.check_ip(addr.ip()) {
                    Ok(()) if !allowed.contains(&addr) => allowed.push(addr),
                    Ok(()) => {}
                    Err(r) if !refused.contains(&r) => refused.push(r),
                    Err(_) => {}
                }
            }
            if allowed.is_empty() {
                let err = RefusedTarget::NoAllowedAddress { host, refused };
                tracing::warn!(error = %err, "webhook delivery refused at DNS resolution");
                return Err(err.into());
            }
            if !refused.is_empty() {
                tracing::debug!(
                    host = %host,
                    refused = %describe_refused(&refused),
                    "webhook target: dropped refused addresses, connecting to the allowed ones only"
                );
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client for deliveries: redirects are not followed, names resolve through a [`GuardedResolver`], no
/// proxy (a proxy would resolve and connect on our behalf, bypassing the guard), `connect_timeout` for the TCP
/// (and TLS) connect and `timeout` for the whole exchange, `User-Agent: hub-webhooks/<version>`, and a pool sized
/// for many deliveries to few hosts.
///
/// IP-literal URLs bypass the resolver: run [`AddressPolicy::check_url`] on each URL before sending.
pub fn delivery_client(
    policy: Arc<AddressPolicy>,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<Client, reqwest::Error> {
    Client::builder()
        .redirect(redirect::Policy::none())
        .dns_resolver(GuardedResolver::new(policy))
        .no_proxy()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .referer(false)
        .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_nodelay(true)
        .build()
}

/// Reads at most `limit` bytes of the body (then stops reading and drops the connection's rest), lossily as
/// UTF-8, for the attempt log.
///
/// When the limit cuts a multi-byte character, the partial character is dropped rather than replaced, so the
/// excerpt is never longer than `limit` bytes unless the body itself holds invalid UTF-8 (each invalid sequence
/// becomes U+FFFD). A body read error ends the excerpt with what was read so far.
pub async fn read_excerpt(mut response: Response, limit: usize) -> String {
    let mut buf: Vec<u8> = Vec::with_capacity(limit.min(16 * 1024));
    let mut truncated = false;
    while buf.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - buf.len());
                buf.extend_from_slice(&chunk[..take]);
                truncated = take < chunk.len();
            }
            Ok(None) => break,
            Err(err) => {
                tracing::debug!(error = %err, "webhook response body read failed; keeping the excerpt so far");
                break;
            }
        }
    }
    if buf.len() >= limit {
        truncated = true;
    }
    // Dropping an unfinished body closes the connection instead of draining it.
    drop(response);
    if truncated {
        trim_incomplete_char(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Drops a multi-byte character left incomplete at the end of `bytes` (cut by a read limit).
fn trim_incomplete_char(bytes: &mut Vec<u8>) {
    let mut pos = 0;
    while let Err(err) = std::str::from_utf8(&bytes[pos..]) {
        match err.error_len() {
            Some(invalid) => pos += err.valid_up_to() + invalid,
            None => {
                bytes.truncate(pos + err.valid_up_to());
                return;
            }
        }
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
