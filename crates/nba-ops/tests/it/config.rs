//! The `[ops]` settings: a full TOML table parses, omitted keys keep their defaults, wrong
//! values are refused with the key named, environment variables add channels, and secrets
//! never show in `Debug` output.

use nba_ops::alerts::{Rule, RuleKind, Severity, TrafficSource};
use nba_ops::config::ChannelKind;
use nba_ops::OpsConfig;

const EXAMPLE: &str = r#"
[health]
interval_s = 15
[health.freshness]
max_age_days = 3

[metrics]
sample_interval_s = 10

[alerts]
evaluation_interval_s = 30
[alerts.error_rate]
threshold = 0.02
min_samples = 50
source = "tools"
[alerts.latency_p95]
severity = "critical"
[alerts.feature_drift]
enabled = false

[[alerts.channels]]
kind = "slack"
url = "https://hooks.slack.example/services/T000/B000/secret-part"

[[alerts.channels]]
kind = "pagerduty"
routing_key = "pd-secret-key"
min_severity = "critical"

[alerts.delivery]
max_attempts = 3

[drift]
psi_alert = 0.25
"#;

#[test]
fn a_full_table_parses_and_keeps_defaults_for_the_rest() {
    let config: OpsConfig = toml::from_str(EXAMPLE).unwrap();
    config.validate().unwrap();
    assert_eq!(config.health.interval_s, 15);
    assert_eq!(config.health.check_timeout_s, 5);
    assert_eq!(config.health.freshness.max_age_days, 3);
    assert_eq!(config.health.freshness.off_season_months, vec![7, 8, 9, 10]);
    let rule = |k| Rule::from_config(k, &config.alerts);
    let errors = rule(RuleKind::ErrorRate);
    assert_eq!(
        (errors.threshold, errors.min_samples, errors.window_s),
        (0.02, 50, 300)
    );
    assert_eq!(errors.source, TrafficSource::Tools);
    assert_eq!(errors.severity, Severity::Critical);
    assert_eq!(rule(RuleKind::LatencyP95).severity, Severity::Critical);
    assert_eq!(rule(RuleKind::LatencyP95).threshold, 100.0);
    assert!(!rule(RuleKind::FeatureDrift).enabled);
    assert_eq!(config.alerts.channels[1].kind, ChannelKind::Pagerduty);
    assert_eq!(config.alerts.channels[1].min_severity, Severity::Critical);
    assert_eq!(config.alerts.channels[0].min_severity, Severity::Warning);
    assert_eq!(config.alerts.delivery.max_attempts, 3);
    assert_eq!(config.drift.psi_alert, 0.25);
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("secret-part") && !debug.contains("pd-secret-key"),
        "{debug}"
    );
    // An empty table is the defaults.
    let empty: OpsConfig = toml::from_str("").unwrap();
    empty.validate().unwrap();
}

#[test]
fn wrong_values_name_their_key() {
    for (toml, key) in [
        ("[health]\ninterval_s = 0", "ops.health.interval_s"),
        (
            "[alerts.error_rate]\nthreshold = 5",
            "ops.alerts.error_rate.threshold",
        ),
        (
            "[alerts.latency_p95]\nwindow_s = 7200",
            "ops.alerts.latency_p95.window_s",
        ),
        (
            "[[alerts.channels]]\nkind = \"webhook\"",
            "ops.alerts.channels[0].url",
        ),
        (
            "[[alerts.channels]]\nkind = \"pagerduty\"",
            "ops.alerts.channels[0].routing_key",
        ),
        (
            "[[alerts.channels]]\nkind = \"slack\"\nurl = \"ftp://x\"",
            "ops.alerts.channels[0].url",
        ),
        (
            "[health.freshness]\noff_season_months = [13]",
            "ops.health.freshness.off_season_months",
        ),
        ("[drift]\nks_alpha = 2.0", "ops.drift.ks_alpha"),
    ] {
        let config: OpsConfig = toml::from_str(toml).unwrap();
        let e = config.validate().unwrap_err();
        assert_eq!(e.key, key, "{toml}: {e}");
    }
    let unknown = toml::from_str::<OpsConfig>("[alerts]\nerror_rat = {}").unwrap_err();
    assert!(unknown.to_string().contains("error_rat"), "{unknown}");
}

#[test]
fn the_environment_adds_channels_and_overrides() {
    let env = |k: &str| match k {
        "NBA_MCP_HEALTH_INTERVAL_S" => Some("10".to_string()),
        "NBA_MCP_ALERT_SLACK_WEBHOOK_URL" => Some("https://hooks.slack.example/x".to_string()),
        "NBA_MCP_ALERT_PAGERDUTY_ROUTING_KEY" => Some("key".to_string()),
        _ => None,
    };
    let mut config = OpsConfig::default();
    config.apply_env(&env).unwrap();
    config.validate().unwrap();
    assert_eq!(config.health.interval_s, 10);
    let kinds: Vec<ChannelKind> = config.alerts.channels.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, vec![ChannelKind::Slack, ChannelKind::Pagerduty]);

    let bad = |k: &str| (k == "NBA_MCP_HEALTH_INTERVAL_S").then(|| "soon".to_string());
    let e = OpsConfig::default().apply_env(&bad).unwrap_err();
    assert_eq!(e.key, "NBA_MCP_HEALTH_INTERVAL_S");
}
