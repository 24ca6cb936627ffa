//! The operations artefacts agree with the server: every metric name used by the Grafana
//! dashboard, the Prometheus rules and OPERATIONS_GUIDE.md is one `/metrics` declares, and
//! the rules pass `promtool check rules` and their unit tests when promtool is installed.

use nba_testkit as common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use nba_ops::sources::Published;
use nba_ops::{DriftConfig, DriftMonitor, DriftReport, ModelInfo, Ops, PerformanceObservation};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `nba_mcp_...` token in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("nba_mcp_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

/// Metric families `/metrics` declares with every source filled in.
async fn declared() -> BTreeSet<String> {
    let (store, _dir) = common::store().await;
    let drift = Arc::new(Published::<DriftReport>::default());
    let reference: Vec<f64> = (0..200).map(f64::from).collect();
    let monitor =
        DriftMonitor::new(DriftConfig::default()).with_reference("elo_diff", reference.clone());
    drift.publish(monitor.report(&[("elo_diff".to_string(), reference)].into()));
    let perf = Arc::new(Published::<PerformanceObservation>::default());
    perf.publish(PerformanceObservation {
        model: "logistic@1".into(),
        rolling_brier: 0.2,
        evaluation_brier: 0.21,
        samples: 10,
        observed_at: Utc::now(),
    });
    let models = Arc::new(Published::<Vec<ModelInfo>>::default());
    models.publish(vec![ModelInfo {
        name: "logistic".into(),
        version: "1".into(),
        alias: Some("production".into()),
        status: "loaded".into(),
    }]);
    let ops = Ops::builder(store, Default::default())
        .drift_source(drift)
        .performance_source(perf)
        .model_catalog(models)
        .start()
        .await
        .unwrap();
    nba_ops::record_ingest("teams", 30, 0, 0, 0);
    ops.refresh_health().await;
    // The store is empty, so the freshness check knows no age; a loaded store sets it.
    nba_ops::metrics().data_age_days.set(3);
    let text = ops.metrics_text();
    ops.shutdown().await;
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn dashboards_rules_and_guide_use_only_exported_metric_names() {
    let declared = declared().await;
    for needed in [
        "nba_mcp_drift_psi",
        "nba_mcp_model_info",
        "nba_mcp_model_brier_score",
    ] {
        assert!(
            declared.contains(needed),
            "{needed} missing from {declared:?}"
        );
    }
    for file in [
        "ops/grafana-dashboard.json",
        "ops/prometheus-alerts.yml",
        "ops/prometheus-alerts.test.yml",
        "OPERATIONS_GUIDE.md",
    ] {
        let text =
            std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let used = metric_names(&text);
        assert!(!used.is_empty(), "{file} names no metric");
        for name in used {
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|b| declared.contains(*b)))
                .unwrap_or(&name);
            assert!(
                declared.contains(family),
                "{file} uses {name}, which /metrics does not declare"
            );
        }
    }
    serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(root().join("ops/grafana-dashboard.json")).unwrap(),
    )
    .expect("the Grafana dashboard is JSON");
}

#[test]
fn the_rules_pass_promtool_when_it_is_installed() {
    let ops = root().join("ops");
    for args in [
        ["check", "rules", "prometheus-alerts.yml"],
        ["test", "rules", "prometheus-alerts.test.yml"],
    ] {
        let out = match std::process::Command::new("promtool")
            .args(args)
            .current_dir(&ops)
            .output()
        {
            Ok(out) => out,
            Err(_) => {
                // scripts/test.sh installs it and says it must be there.
                assert!(
                    std::env::var_os("NBA_MCP_REQUIRE_PROMTOOL").is_none(),
                    "promtool is missing: run scripts/setup-promtool.sh"
                );
                eprintln!(
                    "promtool not installed (Debian package prometheus); rules not validated"
                );
                return;
            }
        };
        assert!(
            out.status.success(),
            "promtool {}:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
