//! Cost of recording on the hot path: what one HTTP request, one tool call and one cache
//! lookup add. `cargo bench -p nba-ops --bench record` prints the time per operation.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use nba_ops::metrics::Histogram;

fn record(c: &mut Criterion) {
    let m = nba_ops::metrics();
    // Existing series, as in a warm server.
    m.record_http(
        "/v1/tools/{name}",
        "POST",
        200,
        None,
        Duration::from_millis(1),
    );
    let mut group = c.benchmark_group("record");
    group.bench_function("http_request", |b| {
        b.iter(|| {
            m.record_http(
                black_box("/v1/tools/{name}"),
                black_box("POST"),
                black_box(200),
                None,
                black_box(Duration::from_micros(850)),
            )
        })
    });
    group.bench_function("tool_call", |b| {
        b.iter(|| {
            nba_ops::record_tool_call(
                black_box("get_standings"),
                black_box(Ok(())),
                black_box(Duration::from_micros(850)),
            )
        })
    });
    group.bench_function("cache_lookup", |b| {
        b.iter(|| nba_ops::record_cache(black_box("season_games"), black_box(true)))
    });
    let h = Histogram::default();
    group.bench_function("histogram_observe", |b| {
        b.iter(|| h.observe(black_box(Duration::from_micros(850))))
    });
    group.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
