//! The operations dashboard: one self-contained HTML page (no CDN, inline CSS and JS) that
//! polls `/health`, `/v1/ops/summary` and `/v1/alerts` and draws its charts as SVG.

/// The page served at `/dashboard`.
pub(crate) const PAGE: &str = include_str!("dashboard.html");
