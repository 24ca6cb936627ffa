//! A reliability diagram as a hand-written SVG: forecast probability (x) against how often
//! the home team actually won (y) in 10 bins, one line per forecaster, with the diagonal of
//! perfect calibration and bin sizes as marker area.

use std::fmt::Write;

use crate::metrics::Bin;

/// One forecaster's bins and how to draw them.
pub struct Series<'a> {
    pub label: &'a str,
    pub colour: &'a str,
    pub bins: &'a [Bin],
}

const W: f64 = 560.0;
const H: f64 = 560.0;
const PAD: f64 = 60.0;

fn x(p: f64) -> f64 {
    PAD + p * (W - 2.0 * PAD)
}

fn y(p: f64) -> f64 {
    H - PAD - p * (H - 2.0 * PAD)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The whole SVG document.
pub fn reliability_svg(title: &str, series: &[Series]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>
"#,
        W / 2.0,
        escape(title)
    );
    for i in 0..=10 {
        let p = i as f64 / 10.0;
        let _ = writeln!(
            s,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#eee"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{p:.1}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{p:.1}</text>"##,
            x(p),
            y(0.0),
            x(p),
            y(1.0),
            x(0.0),
            y(p),
            x(1.0),
            y(p),
            x(p),
            y(0.0) + 18.0,
            x(0.0) - 6.0,
            y(p) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 4"/>
<text x="{:.1}" y="{:.1}" text-anchor="middle">forecast home-win probability</text>
<text x="16" y="{:.1}" text-anchor="middle" transform="rotate(-90 16 {:.1})">observed home-win rate</text>"##,
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0),
        W / 2.0,
        H - 18.0,
        H / 2.0,
        H / 2.0
    );
    let max_games = series
        .iter()
        .flat_map(|s| s.bins.iter().map(|b| b.games))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    for (k, ser) in series.iter().enumerate() {
        let pts: Vec<String> = ser
            .bins
            .iter()
            .filter(|b| b.games > 0)
            .map(|b| format!("{:.1},{:.1}", x(b.mean_prob), y(b.win_rate)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            pts.join(" "),
            ser.colour
        );
        for b in ser.bins.iter().filter(|b| b.games > 0) {
            let r = 2.0 + 6.0 * (b.games as f64 / max_games).sqrt();
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="{}" fill-opacity="0.6"><title>{}: {} games, forecast {:.3}, won {:.3}</title></circle>"#,
                x(b.mean_prob),
                y(b.win_rate),
                ser.colour,
                escape(ser.label),
                b.games,
                b.mean_prob,
                b.win_rate
            );
        }
        let ly = PAD + 8.0 + 18.0 * k as f64;
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            x(0.0) + 8.0,
            ly - 10.0,
            ser.colour,
            x(0.0) + 26.0,
            ly,
            escape(ser.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::reliability;

    #[test]
    fn draws_a_well_formed_document_with_every_series() {
        let bins = reliability(&[(0.3, false), (0.7, true), (0.72, false)]);
        let svg = reliability_svg(
            "Test <run>",
            &[Series {
                label: "model & co",
                colour: "#1f77b4",
                bins: &bins,
            }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("Test &lt;run&gt;"));
        assert!(svg.contains("model &amp; co"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
