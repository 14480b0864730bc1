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
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn refused(policy: &AddressPolicy, addr: &str) -> &'static str {
        match policy.check_ip(ip(addr)) {
            Err(RefusedAddress { ip: refused_ip, range }) => {
                assert_eq!(refused_ip, ip(addr), "the refusal names the address as given");
                range
            }
            Ok(()) => panic!("{addr} should be refused"),
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn local_policy() -> Arc<AddressPolicy> {
        Arc::new(AddressPolicy::new(vec![net("127.0.0.0/8"), net("::1/128")]))
    }

    fn client(policy: Arc<AddressPolicy>) -> Client {
        delivery_client(policy, Duration::from_secs(2), Duration::from_secs(5)).unwrap()
    }

    /// The error and all its sources, joined, to look for the guard's message.
    fn chain(err: &(dyn std::error::Error + 'static)) -> String {
        let mut out = err.to_string();
        let mut source = err.source();
        while let Some(e) = source {
            out.push_str(" <- ");
            out.push_str(&e.to_string());
            source = e.source();
        }
        out
    }

    // ---- ranges ------------------------------------------------------------------------------------------------

    #[test]
    fn ipv4_non_public_ranges_are_refused_with_their_name() {
        let policy = AddressPolicy::default();
        let cases = [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this-network"),
            ("0.255.255.255", "this-network"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("169.254.0.1", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("100.127.255.255", "shared (CGNAT)"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.200", "documentation"),
            ("192.0.0.1", "IETF protocol assignment"),
            ("192.0.0.170", "IETF protocol assignment"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("254.1.2.3", "reserved"),
            ("255.255.255.254", "reserved"),
            ("255.255.255.255", "broadcast"),
        ];
        for (addr, range) in cases {
            assert_eq!(refused(&policy, addr), range, "{addr}");
        }
    }

    #[test]
    fn ipv6_non_public_ranges_are_refused_with_their_name() {
        let policy = AddressPolicy::default();
        let cases = [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fc00::1", "private"),
            ("fd12:3456:789a::1", "private"),
            ("fe80::1", "link-local"),
            ("febf:ffff::1", "link-local"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::101", "multicast"),
            ("2001:db8::1", "documentation"),
            ("2001:db8:ffff::1", "documentation"),
            ("3fff::1", "documentation"),
            ("3fff:fff::1", "documentation"),
        ];
        for (addr, range) in cases {
            assert_eq!(refused(&policy, addr), range, "{addr}");
        }
    }

    #[test]
    fn ipv6_embedding_ipv4_is_judged_by_the_ipv4_address() {
        let policy = AddressPolicy::default();
        let cases = [
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:7f00:1", "loopback"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:0.0.0.0", "unspecified"),
            ("::127.0.0.1", "loopback"),
            ("::192.168.0.1", "private"),
            ("64:ff9b::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:7f00:1::", "loopback"),
            ("2002:c0a8:101::1", "private"),
        ];
        for (addr, range) in cases {
            assert_eq!(refused(&policy, addr), range, "{addr}");
        }
        for public in ["::ffff:1.1.1.1", "::8.8.8.8", "64:ff9b::1.1.1.1", "2002:0101:0101::1"] {
            assert_eq!(policy.check_ip(ip(public)), Ok(()), "{public}");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        let policy = AddressPolicy::default();
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4007:80e::200e",
            "2001:db9::1",
            "3fff:1000::1",
            "3ff0::1",
        ] {
            assert_eq!(policy.check_ip(ip(public)), Ok(()), "{public}");
        }
    }

    #[test]
    fn refused_address_message_names_the_range() {
        let err = AddressPolicy::default().check_ip(ip("127.0.0.1")).unwrap_err();
        assert_eq!(err.to_string(), "127.0.0.1 is a loopback address");
        let err = AddressPolicy::default().check_ip(ip("169.254.169.254")).unwrap_err();
        assert_eq!(err.to_string(), "169.254.169.254 is a link-local address");
    }

    #[test]
    fn allow_list_overrides_the_refusal() {
        let policy = AddressPolicy::new(vec![net("127.0.0.0/8"), net("::1/128"), net("10.20.0.0/16")]);
        assert_eq!(policy.allowed().len(), 3);
        for allowed in ["127.0.0.1", "127.1.2.3", "::1", "10.20.30.40", "::ffff:127.0.0.1", "1.1.1.1"] {
            assert_eq!(policy.check_ip(ip(allowed)), Ok(()), "{allowed}");
        }
        assert_eq!(refused(&policy, "10.21.0.1"), "private");
        assert_eq!(refused(&policy, "192.168.0.1"), "private");
        assert_eq!(refused(&policy, "169.254.169.254"), "link-local");
        assert_eq!(refused(&policy, "fe80::1"), "link-local");

        let v6_only = AddressPolicy::new(vec![net("fd00::/8")]);
        assert_eq!(v6_only.check_ip(ip("fd00::1")), Ok(()));
        assert_eq!(refused(&v6_only, "fc00::1"), "private");
        assert_eq!(refused(&v6_only, "127.0.0.1"), "loopback");
    }

    // ---- URLs --------------------------------------------------------------------------------------------------

    #[test]
    fn check_url_refuses_ip_literals_in_refused_ranges() {
        let policy = AddressPolicy::default();
        let loopback = RefusedAddress { ip: ip("127.0.0.1"), range: "loopback" };
        assert_eq!(policy.check_url(&url("http://127.0.0.1:9/")), Err(RefusedTarget::Address(loopback.clone())));
        assert_eq!(
            policy.check_url(&url("http://[::1]/")),
            Err(RefusedTarget::Address(RefusedAddress { ip: ip("::1"), range: "loopback" }))
        );
        assert_eq!(
            policy.check_url(&url("http://10.0.0.1/")),
            Err(RefusedTarget::Address(RefusedAddress { ip: ip("10.0.0.1"), range: "private" }))
        );
        assert_eq!(
            policy.check_url(&url("https://169.254.169.254/latest/meta-data/")),
            Err(RefusedTarget::Address(RefusedAddress { ip: ip("169.254.169.254"), range: "link-local" }))
        );
        // Obfuscated IPv4 forms are normalised by the URL parser and still caught.
        for sneaky in ["http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://127.1/"] {
            assert_eq!(policy.check_url(&url(sneaky)), Err(RefusedTarget::Address(loopback.clone())), "{sneaky}");
        }
        assert_eq!(
            policy.check_url(&url("http://[::ffff:127.0.0.1]:8080/")),
            Err(RefusedTarget::Address(RefusedAddress { ip: ip("::ffff:127.0.0.1"), range: "loopback" }))
        );
        assert_eq!(
            policy.check_url(&url("http://127.0.0.1:9/")).unwrap_err().to_string(),
            "webhook target refused: 127.0.0.1 is a loopback address"
        );
    }

    #[test]
    fn check_url_refuses_bad_urls() {
        let policy = AddressPolicy::default();
        for bad in ["ftp://x", "file:///etc/passwd", "gopher://example.org/", "mailto:ops@example.org"] {
            match policy.check_url(&url(bad)) {
                Err(RefusedTarget::BadUrl(reason)) => assert!(reason.contains("scheme"), "{bad}: {reason}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        for creds in ["http://user:pw@example.org/", "https://user@example.org/", "http://:pw@example.org/"] {
            match policy.check_url(&url(creds)) {
                Err(RefusedTarget::BadUrl(reason)) => assert!(reason.contains("credentials"), "{creds}: {reason}"),
                other => panic!("{creds}: {other:?}"),
            }
        }
        let err = policy.check_url(&url("ftp://x")).unwrap_err();
        assert_eq!(err.to_string(), "webhook URL refused: scheme `ftp` is not allowed, use http or https");
    }

    #[test]
    fn check_url_accepts_hostnames_and_public_or_allowed_literals() {
        let policy = AddressPolicy::default();
        for ok in [
            "https://example.org/hooks",
            "http://example.org:8080/x?y=1",
            "https://1.1.1.1/",
            "https://[2606:4700:4700::1111]/",
            // Hostnames are left to the resolver, even ones that will resolve to loopback.
            "http://localhost:9/",
        ] {
            assert_eq!(policy.check_url(&url(ok)), Ok(()), "{ok}");
        }
        let local = local_policy();
        assert_eq!(local.check_url(&url("http://127.0.0.1:9/")), Ok(()));
        assert_eq!(local.check_url(&url("http://[::1]/")), Ok(()));
        assert!(local.check_url(&url("http://10.0.0.1/")).is_err());
    }

    #[test]
    fn no_allowed_address_message_names_host_and_each_address() {
        let err = RefusedTarget::NoAllowedAddress {
            host: "evil.example".to_owned(),
            refused: vec![
                RefusedAddress { ip: ip("127.0.0.1"), range: "loopback" },
                RefusedAddress { ip: ip("::1"), range: "loopback" },
            ],
        };
        assert_eq!(
            err.to_string(),
            "webhook target refused: evil.example resolves only to refused addresses: \
             127.0.0.1 (loopback), ::1 (loopback)"
        );
        let empty = RefusedTarget::NoAllowedAddress { host: "void.example".to_owned(), refused: vec![] };
        assert_eq!(empty.to_string(), "webhook target refused: void.example resolved to no address");
    }

    #[test]
    fn trim_incomplete_char_only_drops_a_cut_tail() {
        let mut cut = "héllo €".as_bytes().to_vec();
        cut.truncate(cut.len() - 1); // "€" is 3 bytes: leave 2 of them
        trim_incomplete_char(&mut cut);
        assert_eq!(cut, "héllo ".as_bytes());

        let mut invalid_then_cut = b"a\xffb".to_vec();
        invalid_then_cut.extend_from_slice(&"é".as_bytes()[..1]);
        trim_incomplete_char(&mut invalid_then_cut);
        assert_eq!(invalid_then_cut, b"a\xffb");

        let mut whole = "ok €".as_bytes().to_vec();
        trim_incomplete_char(&mut whole);
        assert_eq!(whole, "ok €".as_bytes());
    }

    #[test]
    fn user_agent_names_the_hub() {
        assert_eq!(USER_AGENT, format!("hub-webhooks/{}", env!("CARGO_PKG_VERSION")));
    }

    // ---- resolver and client against local servers ---------------------------------------------------------------

    /// A local server on 127.0.0.1 that reads each request's head, answers `response` (if any) and closes;
    /// `None` holds the connection open without answering. Returns the port and the count of accepted
    /// connections.
    async fn serve(response: Option<Vec<u8>>) -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        let response = response.map(Arc::new);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                counter.fetch_add(1, Ordering::SeqCst);
                let response = response.clone();
                tokio::spawn(handle(stream, response));
            }
        });
        (port, accepted)
    }

    async fn handle(mut stream: TcpStream, response: Option<Arc<Vec<u8>>>) {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        match response {
            Some(response) => {
                let _ = stream.write_all(&response).await;
                let _ = stream.shutdown().await;
            }
            None => {
                // Never answer; keep the socket open until the client gives up.
                let _ = stream.read(&mut buf).await;
            }
        }
    }

    fn http_response(status: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
        let mut out =
            format!("HTTP/1.1 {status}\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                .into_bytes();
        out.extend_from_slice(body);
        out
    }

    #[tokio::test]
    async fn resolver_refuses_a_name_resolving_only_to_loopback() {
        let resolver = GuardedResolver::new(Arc::new(AddressPolicy::default()));
        let err = match resolver.resolve("localhost".parse().unwrap()).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(err) => err,
        };
        let refused = err.downcast_ref::<RefusedTarget>().expect("a RefusedTarget");
        match refused {
            RefusedTarget::NoAllowedAddress { host, refused } => {
                assert_eq!(host, "localhost");
                assert!(!refused.is_empty());
                assert!(refused.iter().all(|r| r.range == "loopback"), "{refused:?}");
            }
            other => panic!("{other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("localhost") && message.contains("(loopback)"), "{message}");
    }

    #[tokio::test]
    async fn resolver_keeps_allowed_addresses() {
        let resolver = GuardedResolver::new(local_policy());
        let addrs: Vec<SocketAddr> = resolver.resolve("localhost".parse().unwrap()).await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[tokio::test]
    async fn delivery_to_a_name_resolving_to_loopback_is_refused_before_connecting() {
        let (port, accepted) = serve(Some(http_response("200 OK", "", b"ok"))).await;
        let client = client(Arc::new(AddressPolicy::default()));
        let err = client.get(format!("http://localhost:{port}/")).send().await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        let chain = chain(&err);
        assert!(chain.contains("webhook target refused: localhost"), "{chain}");
        assert!(chain.contains("is a loopback") || chain.contains("(loopback)"), "{chain}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(accepted.load(Ordering::SeqCst), 0, "the listener must not have been reached");
    }

    #[tokio::test]
    async fn delivery_to_an_allow_listed_loopback_succeeds() {
        let (port, accepted) = serve(Some(http_response("200 OK", "", b"ok"))).await;
        let client = client(local_policy());
        let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(read_excerpt(response, 1024).await, "ok");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    /// Why `check_url` exists: hyper connects to IP literals without asking the resolver, so the client alone does
    /// not stop them. If this ever fails, hyper started resolving literals and the guard is stricter — fine.
    #[tokio::test]
    async fn ip_literals_bypass_the_resolver_so_check_url_is_required() {
        let (port, _accepted) = serve(Some(http_response("204 No Content", "", b""))).await;
        let policy = Arc::new(AddressPolicy::default());
        let target = url(&format!("http://127.0.0.1:{port}/"));
        assert!(matches!(policy.check_url(&target), Err(RefusedTarget::Address(_))));
        let response = client(policy).get(target).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let (target_port, target_accepted) = serve(Some(http_response("200 OK", "", b"followed"))).await;
        let location = format!("Location: http://localhost:{target_port}/elsewhere\r\n");
        let (port, accepted) = serve(Some(http_response("302 Found", &location, b""))).await;
        let response = client(local_policy()).post(format!("http://localhost:{port}/hook")).send().await.unwrap();
        assert_eq!(response.status(), 302);
        assert_eq!(
            response.headers().get("location").unwrap().to_str().unwrap(),
            format!("http://localhost:{target_port}/elsewhere")
        );
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        assert_eq!(target_accepted.load(Ordering::SeqCst), 0, "the redirect target must not be contacted");
    }

    #[tokio::test]
    async fn read_excerpt_stops_at_the_limit() {
        let body = vec![b'x'; 1024 * 1024];
        let (port, _accepted) = serve(Some(http_response("200 OK", "", &body))).await;
        let client = client(local_policy());

        let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
        let excerpt = read_excerpt(response, 1000).await;
        assert_eq!(excerpt.len(), 1000);
        assert!(excerpt.bytes().all(|b| b == b'x'));

        let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(read_excerpt(response, 0).await, "");
    }

    #[tokio::test]
    async fn read_excerpt_returns_short_bodies_whole_and_cuts_at_char_boundaries() {
        let (port, _accepted) = serve(Some(http_response("500 Internal Server Error", "", "€€€".as_bytes()))).await;
        let client = client(local_policy());

        let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(response.status(), 500);
        assert_eq!(read_excerpt(response, 4096).await, "€€€");

        let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(read_excerpt(response, 7).await, "€€");

        let (port, _accepted) = serve(Some(http_response("200 OK", "", b"bad \xff byte"))).await;
        let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(read_excerpt(response, 4096).await, "bad \u{fffd} byte");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out() {
        let (port, accepted) = serve(None).await;
        let client = delivery_client(local_policy(), Duration::from_secs(2), Duration::from_millis(300)).unwrap();
        let err = client.post(format!("http://localhost:{port}/")).body("{}").send().await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn deliveries_send_the_hub_user_agent() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0);
                head.extend_from_slice(&buf[..n]);
            }
            stream.write_all(&http_response("200 OK", "", b"")).await.unwrap();
            String::from_utf8(head).unwrap()
        });
        let response = client(local_policy()).get(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let head = server.await.unwrap().to_ascii_lowercase();
        assert!(head.contains(&format!("user-agent: {}", USER_AGENT.to_ascii_lowercase())), "{head}");
    }
}
