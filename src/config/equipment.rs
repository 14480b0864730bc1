//! `[equipment]`: the equipment loans of bookings — the assets listed in a resource's
//! `asset_tags` checked out in Snipe-IT to the booker while the booking runs (see
//! `src/equipment/`).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EquipmentConfig {
    /// Run the loans loop (it runs only when a `snipeit` instance is enabled and some resource
    /// lists `asset_tags`).
    pub enabled: bool,
    /// Seconds between two looks at the bookings.
    pub poll_interval_secs: u64,
    /// How long before a booking's start its assets go out, in seconds.
    pub checkout_lead_secs: u64,
}

impl Default for EquipmentConfig {
    fn default() -> Self {
        EquipmentConfig { enabled: true, poll_interval_secs: 30, checkout_lead_secs: 0 }
    }
}

/// A week: a longer lead would lend the equipment for most of the time before the booking.
pub const MAX_LEAD_SECS: u64 = 7 * 24 * 3600;

impl EquipmentConfig {
    /// Problems as (key, reason).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.poll_interval_secs == 0 || self.poll_interval_secs > 3600 {
            out.push(("equipment.poll_interval_secs".into(), "must be between 1 and 3600".into()));
        }
        if self.checkout_lead_secs > MAX_LEAD_SECS {
            out.push(("equipment.checkout_lead_secs".into(), format!("must be at most {MAX_LEAD_SECS} (a week)")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn defaults_and_bounds() {
        let config = Config::from_toml_str("").unwrap_or_else(|e| panic!("{e}"));
        assert!(config.equipment.enabled);
        assert_eq!((config.equipment.poll_interval_secs, config.equipment.checkout_lead_secs), (30, 0));
        let bad = Config::from_toml_str("[equipment]\npoll_interval_secs = 0\ncheckout_lead_secs = 9999999\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(bad.contains("equipment.poll_interval_secs") && bad.contains("equipment.checkout_lead_secs"), "{bad}");
        assert!(Config::from_toml_str("[equipment]\nlead = 3\n").is_err(), "unknown keys are refused");
    }
}
