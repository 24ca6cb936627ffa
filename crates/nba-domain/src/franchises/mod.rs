//! Franchise and team-history table: maps the team codes of every source (NBA Stats ids and
//! abbreviations, FiveThirtyEight codes) to franchises, season by season, with each
//! franchise's conference and division. Pure data, no IO.
//!
//! # Lineage
//! Franchise ids follow NBA Stats (`TEAM_ID`). In particular:
//! - Charlotte (1610612766) owns the 1988-89 … 2001-02 Charlotte Hornets history, then has a
//!   gap (2002-03, 2003-04) and resumes with the 2004-05 Bobcats.
//! - New Orleans (1610612740) starts in 2002-03 as the New Orleans Hornets.
//! - Seattle SuperSonics → Oklahoma City Thunder (1610612760), New Jersey → Brooklyn Nets,
//!   Vancouver → Memphis, Rochester/Cincinnati Royals → Kansas City(-Omaha) → Sacramento Kings,
//!   Chicago Packers/Zephyrs → Baltimore/Capital/Washington Bullets → Wizards, and so on.
//!
//! # Ids of defunct teams
//! NBA Stats itself has ids for all fifteen defunct BAA/NBA teams, 1610610023 … 1610610037
//! (Anderson Packers … Waterloo Hawks); they are used as is (see [`ids`]). No synthetic id was
//! needed. Should one ever be, it must be taken from the separate range starting at
//! [`SYNTHETIC_ID_BASE`] (9_000_000_000 + n), which is reserved for that and currently unused.
//!
//! # Codes
//! `nba_abbrs` are the abbreviations NBA Stats data uses (its LeagueGameLog spells some
//! historical ones its own way: `PHL` for the 76ers until 1995-96, `GOS`, `SAN`, `UTH`, `BLT`,
//! `TCB`, `MIH`, and `WAS` for both the 1946-51 Washington Capitols and the Bullets/Wizards;
//! `BAL` is the 1947-55 Baltimore Bullets there). `fte_codes` are FiveThirtyEight's
//! (Basketball-Reference style: `BRK`, `CHO`, `PHO`, `WSB`, `KCO`, …); 538 tags the 2004-14
//! Bobcats `CHO` and the 2002-13 New Orleans Hornets `NOP` (their later codes), and its RAPTOR
//! files write Charlotte `CHA`. A code is only meaningful together with a season: `WAS`,
//! `BAL`, `CHA`, `NOP`, `STL` … each name different teams in different seasons. Lookups
//! ignore ASCII case and surrounding spaces.
//!
//! # Conferences and divisions
//! Conferences exist from 1970-71. Before that the league had divisions, mapped here:
//! - BAA 1946-47 … 1948-49 and NBA 1950-51 … 1969-70: Eastern Division → East, Western
//!   Division → West (division names `"Eastern"` / `"Western"`).
//! - 1949-50 had three divisions: Eastern → East; Central (Minneapolis, Rochester, Fort Wayne,
//!   Chicago Stags, St. Louis Bombers) and Western (Indianapolis Olympians, Anderson,
//!   Tri-Cities, Sheboygan, Waterloo, Denver) → West. The Central and Western winners met in
//!   the semifinal whose winner faced the East in the Finals, so both sit on the West side.
//!   That season's division name is `"Central"`, not to be confused with the Eastern
//!   Conference's Central Division of 1970-71 on.
//! - From 1970-71: Atlantic, Central (East), Midwest, Pacific (West); from 2004-05: Atlantic,
//!   Central, Southeast (East), Northwest, Pacific, Southwest (West).

use crate::game::Conference;

/// Start of the id range reserved for franchises NBA Stats has no id for (none so far).
pub const SYNTHETIC_ID_BASE: i64 = 9_000_000_000;

/// One era of a franchise: a contiguous run of seasons under one city/name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamEra {
    /// NBA Stats `TEAM_ID` of the franchise (1610612737 … 1610612766 for the current 30,
    /// 1610610023 … 1610610037 for defunct teams).
    pub franchise_id: i64,
    /// First season of the era, as the year it ends (2016 = 2015-16), inclusive.
    pub first_season: u16,
    /// Last season, inclusive; `None` while the era is current.
    pub last_season: Option<u16>,
    /// City as the NBA writes it for the era ("Los Angeles", "LA", "Golden State").
    pub city: &'static str,
    /// Team name ("Lakers").
    pub nickname: &'static str,
    /// Display abbreviation in NBA style ("BKN", "NJN", "SEA", "CHA", "PHX").
    pub abbr: &'static str,
    /// Every abbreviation NBA Stats data uses for this era.
    pub nba_abbrs: &'static [&'static str],
    /// Every FiveThirtyEight code used for this era.
    pub fte_codes: &'static [&'static str],
}

impl TeamEra {
    /// Whether the era covers the season (end year).
    pub fn contains(&self, season_end_year: u16) -> bool {
        season_end_year >= self.first_season
            && self.last_season.is_none_or(|last| season_end_year <= last)
    }

    /// Whether this is a franchise's current era.
    pub fn is_current(&self) -> bool {
        self.last_season.is_none()
    }

    /// "City Nickname", e.g. "Seattle SuperSonics".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.city, self.nickname)
    }

    /// Whether `code` is one of this era's NBA Stats abbreviations (ASCII case ignored).
    pub fn has_nba_abbr(&self, code: &str) -> bool {
        let code = code.trim();
        self.nba_abbrs.iter().any(|a| a.eq_ignore_ascii_case(code))
    }

    /// Whether `code` is one of this era's FiveThirtyEight codes (ASCII case ignored).
    pub fn has_fte_code(&self, code: &str) -> bool {
        let code = code.trim();
        self.fte_codes.iter().any(|a| a.eq_ignore_ascii_case(code))
    }
}

/// Named franchise ids (NBA Stats `TEAM_ID`s).
pub mod ids {
    pub const HAWKS: i64 = 1610612737;
    pub const CELTICS: i64 = 1610612738;
    pub const CAVALIERS: i64 = 1610612739;
    pub const PELICANS: i64 = 1610612740;
    pub const BULLS: i64 = 1610612741;
    pub const MAVERICKS: i64 = 1610612742;
    pub const NUGGETS: i64 = 1610612743;
    pub const WARRIORS: i64 = 1610612744;
    pub const ROCKETS: i64 = 1610612745;
    pub const CLIPPERS: i64 = 1610612746;
    pub const LAKERS: i64 = 1610612747;
    pub const HEAT: i64 = 1610612748;
    pub const BUCKS: i64 = 1610612749;
    pub const TIMBERWOLVES: i64 = 1610612750;
    pub const NETS: i64 = 1610612751;
    pub const KNICKS: i64 = 1610612752;
    pub const MAGIC: i64 = 1610612753;
    pub const PACERS: i64 = 1610612754;
    pub const SIXERS: i64 = 1610612755;
    pub const SUNS: i64 = 1610612756;
    pub const TRAIL_BLAZERS: i64 = 1610612757;
    pub const KINGS: i64 = 1610612758;
    pub const SPURS: i64 = 1610612759;
    pub const THUNDER: i64 = 1610612760;
    pub const RAPTORS: i64 = 1610612761;
    pub const JAZZ: i64 = 1610612762;
    pub const GRIZZLIES: i64 = 1610612763;
    pub const WIZARDS: i64 = 1610612764;
    pub const PISTONS: i64 = 1610612765;
    pub const HORNETS: i64 = 1610612766;

    // Defunct teams, ids as NBA Stats has them.
    pub const ANDERSON_PACKERS: i64 = 1610610023;
    /// The 1947-48 … 1954-55 Baltimore Bullets (not the Wizards' 1963-73 Bullets).
    pub const BALTIMORE_BULLETS_1948_1955: i64 = 1610610024;
    pub const CHICAGO_STAGS: i64 = 1610610025;
    pub const CLEVELAND_REBELS: i64 = 1610610026;
    /// The 1949-50 Denver Nuggets (not today's Nuggets).
    pub const DENVER_NUGGETS_1950: i64 = 1610610027;
    pub const DETROIT_FALCONS: i64 = 1610610028;
    pub const INDIANAPOLIS_JETS: i64 = 1610610029;
    pub const INDIANAPOLIS_OLYMPIANS: i64 = 1610610030;
    pub const PITTSBURGH_IRONMEN: i64 = 1610610031;
    pub const PROVIDENCE_STEAMROLLERS: i64 = 1610610032;
    pub const SHEBOYGAN_RED_SKINS: i64 = 1610610033;
    pub const ST_LOUIS_BOMBERS: i64 = 1610610034;
    pub const TORONTO_HUSKIES: i64 = 1610610035;
    pub const WASHINGTON_CAPITOLS: i64 = 1610610036;
    pub const WATERLOO_HAWKS: i64 = 1610610037;
}

use ids::*;

#[allow(clippy::too_many_arguments)]
const fn era(
    franchise_id: i64,
    first_season: u16,
    last_season: Option<u16>,
    city: &'static str,
    nickname: &'static str,
    abbr: &'static str,
    nba_abbrs: &'static [&'static str],
    fte_codes: &'static [&'static str],
) -> TeamEra {
    TeamEra {
        franchise_id,
        first_season,
        last_season,
        city,
        nickname,
        abbr,
        nba_abbrs,
        fte_codes,
    }
}

const NOW: Option<u16> = None;

/// Every era, grouped by franchise, each franchise in season order.
#[rustfmt::skip]
static ERAS: &[TeamEra] = &[
    // id          first  last         city                          nickname          abbr   NBA Stats            538
    era(HAWKS,        1950, Some(1951), "Tri-Cities",                 "Blackhawks",     "TCB", &["TCB"],            &["TRI"]),
    era(HAWKS,        1952, Some(1955), "Milwaukee",                  "Hawks",          "MIH", &["MIH"],            &["MLH"]),
    era(HAWKS,        1956, Some(1968), "St. Louis",                  "Hawks",          "STL", &["STL"],            &["STL"]),
    era(HAWKS,        1969, NOW,        "Atlanta",                    "Hawks",          "ATL", &["ATL"],            &["ATL"]),
    era(CELTICS,      1947, NOW,        "Boston",                     "Celtics",        "BOS", &["BOS"],            &["BOS"]),
    era(CAVALIERS,    1971, NOW,        "Cleveland",                  "Cavaliers",      "CLE", &["CLE"],            &["CLE"]),
    era(PELICANS,     2003, Some(2005), "New Orleans",                "Hornets",        "NOH", &["NOH"],            &["NOP"]),
    era(PELICANS,     2006, Some(2007), "New Orleans/Oklahoma City",  "Hornets",        "NOK", &["NOK"],            &["NOK"]),
    era(PELICANS,     2008, Some(2013), "New Orleans",                "Hornets",        "NOH", &["NOH"],            &["NOP"]),
    era(PELICANS,     2014, NOW,        "New Orleans",                "Pelicans",       "NOP", &["NOP"],            &["NOP"]),
    era(BULLS,        1967, NOW,        "Chicago",                    "Bulls",          "CHI", &["CHI"],            &["CHI"]),
    era(MAVERICKS,    1981, NOW,        "Dallas",                     "Mavericks",      "DAL", &["DAL"],            &["DAL"]),
    era(NUGGETS,      1977, NOW,        "Denver",                     "Nuggets",        "DEN", &["DEN"],            &["DEN"]),
    era(WARRIORS,     1947, Some(1962), "Philadelphia",               "Warriors",       "PHW", &["PHW"],            &["PHW"]),
    era(WARRIORS,     1963, Some(1971), "San Francisco",              "Warriors",       "SFW", &["SFW"],            &["SFW"]),
    era(WARRIORS,     1972, NOW,        "Golden State",               "Warriors",       "GSW", &["GOS", "GSW"],     &["GSW"]),
    era(ROCKETS,      1968, Some(1971), "San Diego",                  "Rockets",        "SDR", &["SDR"],            &["SDR"]),
    era(ROCKETS,      1972, NOW,        "Houston",                    "Rockets",        "HOU", &["HOU"],            &["HOU"]),
    era(CLIPPERS,     1971, Some(1978), "Buffalo",                    "Braves",         "BUF", &["BUF"],            &["BUF"]),
    era(CLIPPERS,     1979, Some(1984), "San Diego",                  "Clippers",       "SDC", &["SDC"],            &["SDC"]),
    era(CLIPPERS,     1985, Some(2015), "Los Angeles",                "Clippers",       "LAC", &["LAC"],            &["LAC"]),
    era(CLIPPERS,     2016, NOW,        "LA",                         "Clippers",       "LAC", &["LAC"],            &["LAC"]),
    era(LAKERS,       1949, Some(1960), "Minneapolis",                "Lakers",         "MNL", &["MNL"],            &["MNL"]),
    era(LAKERS,       1961, NOW,        "Los Angeles",                "Lakers",         "LAL", &["LAL"],            &["LAL"]),
    era(HEAT,         1989, NOW,        "Miami",                      "Heat",           "MIA", &["MIA"],            &["MIA"]),
    era(BUCKS,        1969, NOW,        "Milwaukee",                  "Bucks",          "MIL", &["MIL"],            &["MIL"]),
    era(TIMBERWOLVES, 1990, NOW,        "Minnesota",                  "Timberwolves",   "MIN", &["MIN"],            &["MIN"]),
    era(NETS,         1977, Some(1977), "New York",                   "Nets",           "NYN", &["NYN"],            &["NYN"]),
    era(NETS,         1978, Some(2012), "New Jersey",                 "Nets",           "NJN", &["NJN"],            &["NJN"]),
    era(NETS,         2013, NOW,        "Brooklyn",                   "Nets",           "BKN", &["BKN"],            &["BRK"]),
    era(KNICKS,       1947, NOW,        "New York",                   "Knicks",         "NYK", &["NYK"],            &["NYK"]),
    era(MAGIC,        1990, NOW,        "Orlando",                    "Magic",          "ORL", &["ORL"],            &["ORL"]),
    era(PACERS,       1977, NOW,        "Indiana",                    "Pacers",         "IND", &["IND"],            &["IND"]),
    era(SIXERS,       1950, Some(1963), "Syracuse",                   "Nationals",      "SYR", &["SYR"],            &["SYR"]),
    era(SIXERS,       1964, NOW,        "Philadelphia",               "76ers",          "PHI", &["PHL", "PHI"],     &["PHI"]),
    era(SUNS,         1969, NOW,        "Phoenix",                    "Suns",           "PHX", &["PHX"],            &["PHO"]),
    era(TRAIL_BLAZERS,1971, NOW,        "Portland",                   "Trail Blazers",  "POR", &["POR"],            &["POR"]),
    era(KINGS,        1949, Some(1957), "Rochester",                  "Royals",         "ROC", &["ROC"],            &["ROC"]),
    era(KINGS,        1958, Some(1972), "Cincinnati",                 "Royals",         "CIN", &["CIN"],            &["CIN"]),
    era(KINGS,        1973, Some(1975), "Kansas City-Omaha",          "Kings",          "KCK", &["KCK"],            &["KCO"]),
    era(KINGS,        1976, Some(1985), "Kansas City",                "Kings",          "KCK", &["KCK"],            &["KCK"]),
    era(KINGS,        1986, NOW,        "Sacramento",                 "Kings",          "SAC", &["SAC"],            &["SAC"]),
    era(SPURS,        1977, NOW,        "San Antonio",                "Spurs",          "SAS", &["SAN", "SAS"],     &["SAS"]),
    era(THUNDER,      1968, Some(2008), "Seattle",                    "SuperSonics",    "SEA", &["SEA"],            &["SEA"]),
    era(THUNDER,      2009, NOW,        "Oklahoma City",              "Thunder",        "OKC", &["OKC"],            &["OKC"]),
    era(RAPTORS,      1996, NOW,        "Toronto",                    "Raptors",        "TOR", &["TOR"],            &["TOR"]),
    era(JAZZ,         1975, Some(1979), "New Orleans",                "Jazz",           "NOJ", &["NOJ"],            &["NOJ"]),
    era(JAZZ,         1980, NOW,        "Utah",                       "Jazz",           "UTA", &["UTH", "UTA"],     &["UTA"]),
    era(GRIZZLIES,    1996, Some(2001), "Vancouver",                  "Grizzlies",      "VAN", &["VAN"],            &["VAN"]),
    era(GRIZZLIES,    2002, NOW,        "Memphis",                    "Grizzlies",      "MEM", &["MEM"],            &["MEM"]),
    era(WIZARDS,      1962, Some(1962), "Chicago",                    "Packers",        "CHP", &["CHP"],            &["CHP"]),
    era(WIZARDS,      1963, Some(1963), "Chicago",                    "Zephyrs",        "CHZ", &["CHZ"],            &["CHZ"]),
    era(WIZARDS,      1964, Some(1973), "Baltimore",                  "Bullets",        "BLT", &["BLT"],            &["BAL"]),
    era(WIZARDS,      1974, Some(1974), "Capital",                    "Bullets",        "CAP", &["CAP"],            &["CAP"]),
    era(WIZARDS,      1975, Some(1997), "Washington",                 "Bullets",        "WAS", &["WAS"],            &["WSB"]),
    era(WIZARDS,      1998, NOW,        "Washington",                 "Wizards",        "WAS", &["WAS"],            &["WAS"]),
    era(PISTONS,      1949, Some(1957), "Fort Wayne",                 "Pistons",        "FTW", &["FTW"],            &["FTW"]),
    era(PISTONS,      1958, NOW,        "Detroit",                    "Pistons",        "DET", &["DET"],            &["DET"]),
    era(HORNETS,      1989, Some(2002), "Charlotte",                  "Hornets",        "CHH", &["CHH"],            &["CHH"]),
    era(HORNETS,      2005, Some(2014), "Charlotte",                  "Bobcats",        "CHA", &["CHA"],            &["CHO", "CHA"]),
    era(HORNETS,      2015, NOW,        "Charlotte",                  "Hornets",        "CHA", &["CHA"],            &["CHO", "CHA"]),
    // Defunct teams. The 1954-55 Baltimore Bullets folded after 14 games, which were
    // expunged; no source here has a game of theirs from that season.
    era(ANDERSON_PACKERS,            1950, Some(1950), "Anderson",     "Packers",      "AND", &["AND"],     &["AND"]),
    era(BALTIMORE_BULLETS_1948_1955, 1948, Some(1955), "Baltimore",    "Bullets",      "BAL", &["BAL"],     &["BLB"]),
    era(CHICAGO_STAGS,               1947, Some(1950), "Chicago",      "Stags",        "CHS", &["CHS"],     &["CHS"]),
    era(CLEVELAND_REBELS,            1947, Some(1947), "Cleveland",    "Rebels",       "CLR", &["CLR"],     &["CLR"]),
    era(DENVER_NUGGETS_1950,         1950, Some(1950), "Denver",       "Nuggets",      "DN",  &["DN"],      &["DNN"]),
    era(DETROIT_FALCONS,             1947, Some(1947), "Detroit",      "Falcons",      "DEF", &["DEF"],     &["DTF"]),
    era(INDIANAPOLIS_JETS,           1949, Some(1949), "Indianapolis", "Jets",         "JET", &["JET"],     &["INJ"]),
    era(INDIANAPOLIS_OLYMPIANS,      1950, Some(1953), "Indianapolis", "Olympians",    "INO", &["INO"],     &["INO"]),
    era(PITTSBURGH_IRONMEN,          1947, Some(1947), "Pittsburgh",   "Ironmen",      "PIT", &["PIT"],     &["PIT"]),
    era(PROVIDENCE_STEAMROLLERS,     1947, Some(1949), "Providence",   "Steamrollers", "PRO", &["PRO"],     &["PRO"]),
    era(SHEBOYGAN_RED_SKINS,         1950, Some(1950), "Sheboygan",    "Red Skins",    "SHE", &["SHE"],     &["SHE"]),
    era(ST_LOUIS_BOMBERS,            1947, Some(1950), "St. Louis",    "Bombers",      "BOM", &["BOM"],     &["STB"]),
    era(TORONTO_HUSKIES,             1947, Some(1947), "Toronto",      "Huskies",      "HUS", &["HUS"],     &["TRH"]),
    era(WASHINGTON_CAPITOLS,         1947, Some(1951), "Washington",   "Capitols",     "WAS", &["WAS"],     &["WSC"]),
    era(WATERLOO_HAWKS,              1950, Some(1950), "Waterloo",     "Hawks",        "WAT", &["WAT"],     &["WAT"]),
];

/// A franchise's conference and division over a run of seasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alignment {
    pub franchise_id: i64,
    /// First season (end year), inclusive.
    pub first_season: u16,
    /// Last season (end year), inclusive; `None` = still in force.
    pub last_season: Option<u16>,
    /// Conference (the division's side before 1970-71, see the module notes).
    pub conference: Conference,
    /// Division name: "Eastern"/"Western"/"Central" before 1970-71, then "Atlantic",
    /// "Central", "Midwest", "Pacific", and from 2004-05 also "Southeast", "Northwest",
    /// "Southwest".
    pub division: &'static str,
}

impl Alignment {
    /// Whether the alignment covers the season (end year).
    pub fn contains(&self, season_end_year: u16) -> bool {
        season_end_year >= self.first_season
            && self.last_season.is_none_or(|last| season_end_year <= last)
    }
}

const fn al(
    franchise_id: i64,
    first_season: u16,
    last_season: Option<u16>,
    conference: Conference,
    division: &'static str,
) -> Alignment {
    Alignment {
        franchise_id,
        first_season,
        last_season,
        conference,
        division,
    }
}

const E: Conference = Conference::East;
const W: Conference = Conference::West;

/// Conference/division history. Each franchise's rows cover exactly the seasons of its eras.
/// Notable moves: Houston Pacific (1971-72) → Central/East (1972-73 … 1979-80) → Midwest/West;
/// Kansas City-Omaha to the Midwest in 1972-73; Phoenix Midwest → Pacific 1972-73;
/// Milwaukee and Chicago West → East 1980-81 (San Antonio and Houston the other way);
/// Detroit and Washington moved in 1978-79, Indiana in 1979-80; the Jazz were in the East
/// while in New Orleans; Miami (Midwest 1988-89), Charlotte (Midwest 1989-90) and Orlando
/// (Central 1989-90, Midwest 1990-91) moved in their first years.
#[rustfmt::skip]
static ALIGNMENTS: &[Alignment] = &[
    al(HAWKS,         1950, Some(1970), W, "Western"),   // Tri-Cities in the 1949-50 Western Division
    al(HAWKS,         1971, Some(2004), E, "Central"),
    al(HAWKS,         2005, NOW,        E, "Southeast"),
    al(CELTICS,       1947, Some(1970), E, "Eastern"),
    al(CELTICS,       1971, NOW,        E, "Atlantic"),
    al(CAVALIERS,     1971, NOW,        E, "Central"),
    al(PELICANS,      2003, Some(2004), E, "Central"),
    al(PELICANS,      2005, NOW,        W, "Southwest"),
    al(BULLS,         1967, Some(1970), W, "Western"),
    al(BULLS,         1971, Some(1980), W, "Midwest"),
    al(BULLS,         1981, NOW,        E, "Central"),
    al(MAVERICKS,     1981, Some(2004), W, "Midwest"),
    al(MAVERICKS,     2005, NOW,        W, "Southwest"),
    al(NUGGETS,       1977, Some(2004), W, "Midwest"),
    al(NUGGETS,       2005, NOW,        W, "Northwest"),
    al(WARRIORS,      1947, Some(1962), E, "Eastern"),
    al(WARRIORS,      1963, Some(1970), W, "Western"),
    al(WARRIORS,      1971, NOW,        W, "Pacific"),
    al(ROCKETS,       1968, Some(1970), W, "Western"),
    al(ROCKETS,       1971, Some(1972), W, "Pacific"),
    al(ROCKETS,       1973, Some(1980), E, "Central"),
    al(ROCKETS,       1981, Some(2004), W, "Midwest"),
    al(ROCKETS,       2005, NOW,        W, "Southwest"),
    al(CLIPPERS,      1971, Some(1978), E, "Atlantic"),
    al(CLIPPERS,      1979, NOW,        W, "Pacific"),
    al(LAKERS,        1949, Some(1949), W, "Western"),
    al(LAKERS,        1950, Some(1950), W, "Central"),
    al(LAKERS,        1951, Some(1970), W, "Western"),
    al(LAKERS,        1971, NOW,        W, "Pacific"),
    al(HEAT,          1989, Some(1989), W, "Midwest"),
    al(HEAT,          1990, Some(2004), E, "Atlantic"),
    al(HEAT,          2005, NOW,        E, "Southeast"),
    al(BUCKS,         1969, Some(1970), E, "Eastern"),
    al(BUCKS,         1971, Some(1980), W, "Midwest"),
    al(BUCKS,         1981, NOW,        E, "Central"),
    al(TIMBERWOLVES,  1990, Some(2004), W, "Midwest"),
    al(TIMBERWOLVES,  2005, NOW,        W, "Northwest"),
    al(NETS,          1977, NOW,        E, "Atlantic"),
    al(KNICKS,        1947, Some(1970), E, "Eastern"),
    al(KNICKS,        1971, NOW,        E, "Atlantic"),
    al(MAGIC,         1990, Some(1990), E, "Central"),
    al(MAGIC,         1991, Some(1991), W, "Midwest"),
    al(MAGIC,         1992, Some(2004), E, "Atlantic"),
    al(MAGIC,         2005, NOW,        E, "Southeast"),
    al(PACERS,        1977, Some(1979), W, "Midwest"),
    al(PACERS,        1980, NOW,        E, "Central"),
    al(SIXERS,        1950, Some(1970), E, "Eastern"),
    al(SIXERS,        1971, NOW,        E, "Atlantic"),
    al(SUNS,          1969, Some(1970), W, "Western"),
    al(SUNS,          1971, Some(1972), W, "Midwest"),
    al(SUNS,          1973, NOW,        W, "Pacific"),
    al(TRAIL_BLAZERS, 1971, Some(2004), W, "Pacific"),
    al(TRAIL_BLAZERS, 2005, NOW,        W, "Northwest"),
    al(KINGS,         1949, Some(1949), W, "Western"),
    al(KINGS,         1950, Some(1950), W, "Central"),
    al(KINGS,         1951, Some(1962), W, "Western"),
    al(KINGS,         1963, Some(1970), E, "Eastern"),
    al(KINGS,         1971, Some(1972), E, "Central"),
    al(KINGS,         1973, Some(1988), W, "Midwest"),
    al(KINGS,         1989, NOW,        W, "Pacific"),
    al(SPURS,         1977, Some(1980), E, "Central"),
    al(SPURS,         1981, Some(2004), W, "Midwest"),
    al(SPURS,         2005, NOW,        W, "Southwest"),
    al(THUNDER,       1968, Some(1970), W, "Western"),
    al(THUNDER,       1971, Some(2004), W, "Pacific"),
    al(THUNDER,       2005, NOW,        W, "Northwest"),
    al(RAPTORS,       1996, Some(2004), E, "Central"),
    al(RAPTORS,       2005, NOW,        E, "Atlantic"),
    al(JAZZ,          1975, Some(1979), E, "Central"),
    al(JAZZ,          1980, Some(2004), W, "Midwest"),
    al(JAZZ,          2005, NOW,        W, "Northwest"),
    al(GRIZZLIES,     1996, Some(2004), W, "Midwest"),
    al(GRIZZLIES,     2005, NOW,        W, "Southwest"),
    al(WIZARDS,       1962, Some(1966), W, "Western"),
    al(WIZARDS,       1967, Some(1970), E, "Eastern"),
    al(WIZARDS,       1971, Some(1978), E, "Central"),
    al(WIZARDS,       1979, Some(2004), E, "Atlantic"),
    al(WIZARDS,       2005, NOW,        E, "Southeast"),
    al(PISTONS,       1949, Some(1949), W, "Western"),
    al(PISTONS,       1950, Some(1950), W, "Central"),
    al(PISTONS,       1951, Some(1967), W, "Western"),
    al(PISTONS,       1968, Some(1970), E, "Eastern"),
    al(PISTONS,       1971, Some(1978), W, "Midwest"),
    al(PISTONS,       1979, NOW,        E, "Central"),
    al(HORNETS,       1989, Some(1989), E, "Atlantic"),
    al(HORNETS,       1990, Some(1990), W, "Midwest"),
    al(HORNETS,       1991, Some(2002), E, "Central"),
    al(HORNETS,       2005, NOW,        E, "Southeast"),
    // Defunct teams.
    al(ANDERSON_PACKERS,            1950, Some(1950), W, "Western"),
    al(BALTIMORE_BULLETS_1948_1955, 1948, Some(1948), W, "Western"),
    al(BALTIMORE_BULLETS_1948_1955, 1949, Some(1955), E, "Eastern"),
    al(CHICAGO_STAGS,               1947, Some(1949), W, "Western"),
    al(CHICAGO_STAGS,               1950, Some(1950), W, "Central"),
    al(CLEVELAND_REBELS,            1947, Some(1947), W, "Western"),
    al(DENVER_NUGGETS_1950,         1950, Some(1950), W, "Western"),
    al(DETROIT_FALCONS,             1947, Some(1947), W, "Western"),
    al(INDIANAPOLIS_JETS,           1949, Some(1949), W, "Western"),
    al(INDIANAPOLIS_OLYMPIANS,      1950, Some(1953), W, "Western"),
    al(PITTSBURGH_IRONMEN,          1947, Some(1947), W, "Western"),
    al(PROVIDENCE_STEAMROLLERS,     1947, Some(1949), E, "Eastern"),
    al(SHEBOYGAN_RED_SKINS,         1950, Some(1950), W, "Western"),
    al(ST_LOUIS_BOMBERS,            1947, Some(1949), W, "Western"),
    al(ST_LOUIS_BOMBERS,            1950, Some(1950), W, "Central"),
    al(TORONTO_HUSKIES,             1947, Some(1947), E, "Eastern"),
    al(WASHINGTON_CAPITOLS,         1947, Some(1947), E, "Eastern"),
    al(WASHINGTON_CAPITOLS,         1948, Some(1948), W, "Western"),
    al(WASHINGTON_CAPITOLS,         1949, Some(1951), E, "Eastern"),
    al(WATERLOO_HAWKS,              1950, Some(1950), W, "Western"),
];

/// Every era of every franchise (current and defunct), grouped by franchise, in season order.
pub fn eras() -> &'static [TeamEra] {
    ERAS
}

/// The conference/division history of every franchise.
pub fn alignments() -> &'static [Alignment] {
    ALIGNMENTS
}

/// The era a FiveThirtyEight code names in a season (end year), e.g. `("CHO", 2010)` →
/// the Charlotte Bobcats, `("NOP", 2005)` → the New Orleans Hornets.
pub fn era_by_fte_code(code: &str, season_end_year: u16) -> Option<&'static TeamEra> {
    ERAS.iter()
        .find(|e| e.contains(season_end_year) && e.has_fte_code(code))
}

/// The era an NBA Stats abbreviation names in a season (end year), e.g. `("PHL", 1980)` →
/// the Philadelphia 76ers, `("WAS", 1950)` → the Washington Capitols.
pub fn era_by_nba_abbr(abbr: &str, season_end_year: u16) -> Option<&'static TeamEra> {
    ERAS.iter()
        .find(|e| e.contains(season_end_year) && e.has_nba_abbr(abbr))
}

/// The era of a code from either source: NBA Stats abbreviations first, then 538 codes. No
/// code means different teams in the two sources in the same season, so this is safe for
/// input whose source is unknown.
pub fn era_by_code(code: &str, season_end_year: u16) -> Option<&'static TeamEra> {
    era_by_nba_abbr(code, season_end_year).or_else(|| era_by_fte_code(code, season_end_year))
}

/// The era of a franchise in a season (end year); `None` if it did not play that season.
pub fn era_by_team_id(franchise_id: i64, season_end_year: u16) -> Option<&'static TeamEra> {
    ERAS.iter()
        .find(|e| e.franchise_id == franchise_id && e.contains(season_end_year))
}

/// All eras of a franchise, in season order (empty for an unknown id).
pub fn franchise_eras(franchise_id: i64) -> Vec<&'static TeamEra> {
    let mut out: Vec<&'static TeamEra> = ERAS
        .iter()
        .filter(|e| e.franchise_id == franchise_id)
        .collect();
    out.sort_by_key(|e| e.first_season);
    out
}

/// A franchise's latest era (its current one, or its last for a defunct team).
pub fn latest_era(franchise_id: i64) -> Option<&'static TeamEra> {
    franchise_eras(franchise_id).last().copied()
}

/// The 30 current eras, one per active franchise, in franchise-id order.
pub fn current_franchises() -> Vec<&'static TeamEra> {
    let mut out: Vec<&'static TeamEra> = ERAS.iter().filter(|e| e.is_current()).collect();
    out.sort_by_key(|e| e.franchise_id);
    out
}

/// Every franchise id in the table (current and defunct), ascending.
pub fn franchise_ids() -> Vec<i64> {
    let mut out: Vec<i64> = ERAS.iter().map(|e| e.franchise_id).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The eras that played in a season (end year), in franchise-id order.
pub fn eras_in_season(season_end_year: u16) -> Vec<&'static TeamEra> {
    let mut out: Vec<&'static TeamEra> = ERAS
        .iter()
        .filter(|e| e.contains(season_end_year))
        .collect();
    out.sort_by_key(|e| e.franchise_id);
    out
}

/// A franchise's conference and division in a season; `None` if it did not play that season.
pub fn alignment(franchise_id: i64, season_end_year: u16) -> Option<&'static Alignment> {
    ALIGNMENTS
        .iter()
        .find(|a| a.franchise_id == franchise_id && a.contains(season_end_year))
}

/// A franchise's conference in a season (before 1970-71: the side of its division, see the
/// module notes); `None` if it did not play that season.
pub fn conference(franchise_id: i64, season_end_year: u16) -> Option<Conference> {
    alignment(franchise_id, season_end_year).map(|a| a.conference)
}

/// A franchise's division in a season ("Atlantic", "Pacific", …, "Eastern"/"Western"/"Central"
/// before 1970-71); `None` if it did not play that season.
pub fn division(franchise_id: i64, season_end_year: u16) -> Option<&'static str> {
    alignment(franchise_id, season_end_year).map(|a| a.division)
}

#[cfg(test)]
mod tests;
