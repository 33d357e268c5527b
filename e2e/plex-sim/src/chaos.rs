//! Random faults (`POST /__sim/chaos`): a share of all Plex requests fails in one of the ways a
//! real Plex fails — 500, 503, 429 with `Retry-After`, extra latency, or the change made and the
//! answer lost (a 500 or a dropped connection after performing it). Unlike [`FaultSpec`]s, which
//! target the next matching requests, chaos draws per request, so a long run sees every kind of
//! failure anywhere. The draw is seeded: the same seed and request order give the same faults.

use serde::{Deserialize, Serialize};

use crate::engine::{FaultSpec, Host};

/// Chaos settings: with probability `rate` a request gets one of the failures below, equally
/// likely.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Chaos {
    /// Share of requests that fail, 0.0–1.0.
    pub rate: f64,
    /// Seed of the draw.
    pub seed: u64,
    /// Only requests on this listener; both when absent.
    pub host: Option<Host>,
    /// Upper bound of the added latency (the latency failure draws 0..this).
    pub max_delay_ms: u64,
    /// `Retry-After` seconds sent with the 429s.
    pub retry_after: u64,
}

impl Default for Chaos {
    fn default() -> Self {
        Self {
            rate: 0.3,
            seed: 1,
            host: None,
            max_delay_ms: 1_000,
            retry_after: 1,
        }
    }
}

/// The failure kinds, in draw order.
const KINDS: u64 = 6;

impl Chaos {
    /// The fault for request number `seq` on `host`, if the draw says so.
    pub fn fault_for(&self, host: Host, seq: u64) -> Option<FaultSpec> {
        if self.host.is_some_and(|h| h != host) {
            return None;
        }
        let draw = splitmix64(self.seed ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // 53 random bits as a fraction in [0, 1).
        let unit = (draw >> 11) as f64 / (1_u64 << 53) as f64;
        if unit >= self.rate {
            return None;
        }
        let other = splitmix64(draw);
        let base = FaultSpec {
            count: 1,
            ..FaultSpec::default()
        };
        Some(match other % KINDS {
            0 => FaultSpec {
                status: Some(500),
                ..base
            },
            1 => FaultSpec {
                status: Some(503),
                ..base
            },
            2 => FaultSpec {
                status: Some(429),
                retry_after: Some(self.retry_after),
                ..base
            },
            3 => FaultSpec {
                delay_ms: (other >> 8) % self.max_delay_ms.max(1),
                ..base
            },
            4 => FaultSpec {
                status: Some(500),
                perform: true,
                ..base
            },
            _ => FaultSpec {
                drop_connection: true,
                ..base
            },
        })
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_rate_of_requests_fail_with_every_kind_seen() {
        let chaos = Chaos::default();
        let faults: Vec<FaultSpec> = (1..=10_000)
            .filter_map(|seq| chaos.fault_for(Host::Plextv, seq))
            .collect();
        assert!((2_700..3_300).contains(&faults.len()), "{}", faults.len());
        let kinds = [
            faults.iter().any(|f| f.status == Some(500) && !f.perform),
            faults.iter().any(|f| f.status == Some(503)),
            faults
                .iter()
                .any(|f| f.status == Some(429) && f.retry_after == Some(1)),
            faults.iter().any(|f| f.status.is_none() && f.delay_ms > 0),
            faults.iter().any(|f| f.status == Some(500) && f.perform),
            faults.iter().any(|f| f.drop_connection),
        ];
        assert_eq!(kinds, [true; 6]);
    }

    #[test]
    fn the_draw_is_repeatable_and_limited_to_its_host() {
        let chaos = Chaos {
            host: Some(Host::Plextv),
            ..Chaos::default()
        };
        let a: Vec<_> = (1..200).map(|s| chaos.fault_for(Host::Plextv, s)).collect();
        let b: Vec<_> = (1..200).map(|s| chaos.fault_for(Host::Plextv, s)).collect();
        assert_eq!(a, b);
        assert!((1..200).all(|s| chaos.fault_for(Host::Pms, s).is_none()));
    }
}
