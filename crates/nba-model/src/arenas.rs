//! Where teams play: approximate arena coordinates for every city a franchise era names in
//! `nba_domain::franchises`, and great-circle distances between them. City-level accuracy
//! (a few kilometres) is plenty for travel features. Facts written down by hand.

use nba_domain::franchises;

/// (city as `franchises` writes it, latitude, longitude) of the home arena's metro area.
#[rustfmt::skip]
const CITIES: &[(&str, f64, f64)] = &[
    ("Anderson", 40.105, -85.680),
    ("Atlanta", 33.757, -84.396),
    ("Baltimore", 39.290, -76.612),
    ("Boston", 42.366, -71.062),
    ("Brooklyn", 40.683, -73.976),
    ("Buffalo", 42.875, -78.876),
    ("Capital", 38.906, -76.847), // Capital Centre, Landover MD
    ("Charlotte", 35.225, -80.839),
    ("Chicago", 41.881, -87.674),
    ("Cincinnati", 39.103, -84.512),
    ("Cleveland", 41.496, -81.688),
    ("Dallas", 32.790, -96.810),
    ("Denver", 39.749, -105.008),
    ("Detroit", 42.341, -83.055),
    ("Fort Wayne", 41.079, -85.139),
    ("Golden State", 37.768, -122.388), // Oakland until 2019, San Francisco since: 15 km apart
    ("Houston", 29.751, -95.362),
    ("Indiana", 39.764, -86.155),
    ("Indianapolis", 39.768, -86.158),
    ("Kansas City", 39.097, -94.580),
    ("Kansas City-Omaha", 39.097, -94.580),
    ("LA", 34.043, -118.267),
    ("Los Angeles", 34.043, -118.267),
    ("Memphis", 35.138, -90.051),
    ("Miami", 25.781, -80.188),
    ("Milwaukee", 43.045, -87.917),
    ("Minneapolis", 44.980, -93.276),
    ("Minnesota", 44.980, -93.276),
    ("New Jersey", 40.734, -74.171), // Meadowlands, then Newark
    ("New Orleans", 29.949, -90.082),
    ("New Orleans/Oklahoma City", 35.463, -97.515), // played most home games in Oklahoma City
    ("New York", 40.751, -73.993),
    ("Oklahoma City", 35.463, -97.515),
    ("Orlando", 28.539, -81.384),
    ("Philadelphia", 39.901, -75.172),
    ("Phoenix", 33.446, -112.071),
    ("Pittsburgh", 40.441, -79.996),
    ("Portland", 45.532, -122.667),
    ("Providence", 41.824, -71.413),
    ("Rochester", 43.157, -77.608),
    ("Sacramento", 38.580, -121.500),
    ("San Antonio", 29.427, -98.438),
    ("San Diego", 32.755, -117.212),
    ("San Francisco", 37.777, -122.420),
    ("Seattle", 47.622, -122.354),
    ("Sheboygan", 43.751, -87.714),
    ("St. Louis", 38.627, -90.199),
    ("Syracuse", 43.049, -76.147),
    ("Toronto", 43.643, -79.379),
    ("Tri-Cities", 41.507, -90.515), // Moline, Rock Island and Davenport
    ("Utah", 40.768, -111.901),
    ("Vancouver", 49.278, -123.109),
    ("Washington", 38.898, -77.021),
    ("Waterloo", 42.493, -92.343),
];

/// A point on the globe, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
}

/// The coordinates of a city named in the franchise table.
pub fn city(name: &str) -> Option<Place> {
    CITIES
        .iter()
        .find(|(c, _, _)| *c == name)
        .map(|&(_, lat, lon)| Place { lat, lon })
}

/// Where a franchise played its home games in a season (end year); `None` for a
/// franchise-season the table does not know.
pub fn home_of(franchise_id: i64, season: i64) -> Option<Place> {
    city(city_of(franchise_id, season)?)
}

/// Metres above sea level of the home arenas that sit high enough for it to matter (the
/// rest are below 400 m and count as 0).
const ALTITUDES: &[(&str, f64)] = &[("Denver", 1609.0), ("Utah", 1288.0)];

/// Arena altitude in metres for a city (0 unless it is one of the high ones).
pub fn altitude_m(city: &str) -> f64 {
    ALTITUDES
        .iter()
        .find(|(c, _)| *c == city)
        .map_or(0.0, |&(_, m)| m)
}

/// The city a franchise played in during a season (end year).
pub fn city_of(franchise_id: i64, season: i64) -> Option<&'static str> {
    let season = u16::try_from(season).ok()?;
    Some(franchises::era_by_team_id(franchise_id, season)?.city)
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(a: Place, b: Place) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_franchise_era_has_a_home_city() {
        for era in franchises::eras() {
            assert!(city(era.city).is_some(), "no coordinates for {}", era.city);
        }
    }

    #[test]
    fn boston_to_los_angeles_is_about_4200_km() {
        let d = distance_km(city("Boston").unwrap(), city("Los Angeles").unwrap());
        assert!((4150.0..4250.0).contains(&d), "{d}");
        assert_eq!(
            distance_km(city("Utah").unwrap(), city("Utah").unwrap()),
            0.0
        );
    }

    #[test]
    fn relocated_franchises_move() {
        let thunder = 1610612760;
        assert_eq!(home_of(thunder, 2008), city("Seattle"));
        assert_eq!(home_of(thunder, 2009), city("Oklahoma City"));
    }
}
