//! Grants as CSV. Out: one row per grant of every friend still on the server, and one row with
//! no library for a friend without any (so a file read back says "no grants" for them too). In:
//! the rows grouped by friend into the grants each gets — all of them, replacing theirs; friends
//! not in the file are left alone — checked row by row, with every problem named by the row's
//! line (`rows[3].ends_at`), before a bulk change previews or saves them.

use std::collections::BTreeMap;

use plexward_shared::GrantRequest;

use crate::access::friend::{Catalog, Friend};
use crate::access::grants::{self, FieldErrors, NewGrant};
use crate::db::time::from_ms;

/// The columns, in the order the export writes them (an import may order them freely).
pub const COLUMNS: [&str; 9] = [
    "friend_id",
    "plex_account_id",
    "friend",
    "email",
    "library_id",
    "library",
    "starts_at",
    "ends_at",
    "repeat",
];

/// Most rows one import may hold.
pub const MAX_ROWS: usize = 20_000;

/// Every friend's grants as CSV (header first), friends by title.
pub fn export(friends: &[Friend], catalog: &Catalog) -> String {
    let mut out = crate::csv::line(&COLUMNS.map(str::to_owned));
    let mut friends: Vec<&Friend> = friends
        .iter()
        .filter(|f| f.user.departed_at.is_none())
        .collect();
    friends.sort_by(|a, b| {
        a.user
            .title
            .to_lowercase()
            .cmp(&b.user.title.to_lowercase())
    });
    let time = |ms: Option<i64>| {
        ms.map(|t| plexward_shared::time::format(&from_ms(t)))
            .unwrap_or_default()
    };
    for friend in friends {
        let u = &friend.user;
        let who = [
            u.id.to_string(),
            u.plex_user_id.to_string(),
            u.title.clone(),
            u.email.clone().unwrap_or_default(),
        ];
        // By library title, as they are loaded.
        let grants = &friend.grants;
        if grants.is_empty() {
            let mut cells = who.to_vec();
            cells.extend([
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            out.push_str(&crate::csv::line(&cells));
        }
        for &(library_id, _, starts_at, ends_at, repeat) in grants {
            let mut cells = who.to_vec();
            cells.extend([
                library_id.to_string(),
                catalog.title_of(library_id),
                time(starts_at),
                time(ends_at),
                repeat
                    .map(|r| repeat_cell(&grants::repeat_to_api(&r)))
                    .unwrap_or_default(),
            ]);
            out.push_str(&crate::csv::line(&cells));
        }
    }
    out
}

/// The grants each friend named in `rows` (line, cells; the header first) gets, or every
/// problem at once.
pub fn import(
    rows: &[(usize, Vec<String>)],
    friends: &[Friend],
    catalog: &Catalog,
) -> Result<BTreeMap<i64, Vec<NewGrant>>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(((_, header), rows)) = rows.split_first() else {
        errors.insert(
            "csv".into(),
            "the file is empty: it needs a header and rows".into(),
        );
        return Err(errors);
    };
    if rows.len() > MAX_ROWS {
        errors.insert("csv".into(), format!("at most {MAX_ROWS} rows"));
        return Err(errors);
    }
    let column: BTreeMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, name)| (name.trim(), i))
        .collect();
    for name in column.keys() {
        if !COLUMNS.contains(name) {
            errors.insert(
                "csv.header".into(),
                format!(
                    "unknown column `{name}` (the columns are {})",
                    COLUMNS.join(", ")
                ),
            );
        }
    }
    let has = |name: &str| column.contains_key(name);
    if !has("friend_id") && !has("plex_account_id") {
        errors.insert(
            "csv.header".into(),
            "needs a `friend_id` or `plex_account_id` column".into(),
        );
    }
    if !has("library_id") && !has("library") {
        errors.insert(
            "csv.header".into(),
            "needs a `library_id` or `library` column".into(),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let by_id: BTreeMap<i64, &Friend> = friends.iter().map(|f| (f.user.id, f)).collect();
    let by_plex: BTreeMap<i64, &Friend> =
        friends.iter().map(|f| (f.user.plex_user_id, f)).collect();

    // Friend id → the rows for them: (line, the grant, or `None` for "no grants").
    let mut wanted: BTreeMap<i64, Vec<(usize, Option<GrantRequest>)>> = BTreeMap::new();
    for (line, cells) in rows {
        let get = |name: &str| {
            column
                .get(name)
                .and_then(|i| cells.get(*i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let mut refuse = |field: &str, why: String| {
            errors.insert(format!("rows[{line}].{field}"), why);
        };
        let friend = match (get("friend_id"), get("plex_account_id")) {
            (Some(id), _) => match id.parse::<i64>().ok().and_then(|id| by_id.get(&id)) {
                Some(f) => Some(*f),
                None => {
                    refuse("friend_id", format!("no friend {id} here"));
                    None
                }
            },
            (None, Some(id)) => match id.parse::<i64>().ok().and_then(|id| by_plex.get(&id)) {
                Some(f) => Some(*f),
                None => {
                    refuse(
                        "plex_account_id",
                        format!("no friend with plex.tv account {id}"),
                    );
                    None
                }
            },
            (None, None) => {
                refuse(
                    "friend_id",
                    "names no friend (friend_id or plex_account_id)".into(),
                );
                None
            }
        };
        let Some(friend) = friend else { continue };
        if friend.user.departed_at.is_some() {
            refuse(
                "friend_id",
                format!(
                    "{} left the Plex server; their access can no longer be changed",
                    friend.user.title
                ),
            );
            continue;
        }
        let library = match (get("library_id"), get("library")) {
            (Some(id), _) => match id.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    refuse("library_id", format!("`{id}` is not a library id"));
                    continue;
                }
            },
            (None, Some(title)) => match catalog.id_titled(title) {
                Ok(id) => Some(id),
                Err(why) => {
                    refuse("library", why);
                    continue;
                }
            },
            (None, None) => None,
        };
        let repeat = match get("repeat").map(parse_repeat_cell) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(why)) => {
                refuse("repeat", why);
                continue;
            }
        };
        let grant = library.map(|library_id| GrantRequest {
            library_id,
            starts_at: get("starts_at").map(str::to_owned),
            ends_at: get("ends_at").map(str::to_owned),
            repeat,
        });
        wanted
            .entry(friend.user.id)
            .or_default()
            .push((*line, grant));
    }

    let mut plans = BTreeMap::new();
    for (friend, rows) in wanted {
        let lines: Vec<usize> = rows
            .iter()
            .filter(|(_, g)| g.is_some())
            .map(|(l, _)| *l)
            .collect();
        if let Some((line, _)) = rows.iter().find(|(_, g)| g.is_none())
            && !lines.is_empty()
        {
            errors.insert(
                format!("rows[{line}].library"),
                "a row without a library says \"no grants\"; this friend also has rows with one"
                    .into(),
            );
            continue;
        }
        let requests: Vec<GrantRequest> = rows.into_iter().filter_map(|(_, g)| g).collect();
        match grants::validate(&requests, catalog) {
            Ok(new) => {
                plans.insert(friend, new);
            }
            // `grants[i].field` → the line of the i-th grant row.
            Err(found) => {
                for (key, why) in found {
                    let renamed = key
                        .strip_prefix("grants[")
                        .and_then(|rest| rest.split_once("]."))
                        .and_then(|(i, field)| {
                            let line = lines.get(i.parse::<usize>().ok()?)?;
                            let field = if field == "library_id" {
                                "library"
                            } else {
                                field
                            };
                            Some(format!("rows[{line}].{field}"))
                        })
                        .unwrap_or_else(|| {
                            format!("rows[{}]", lines.first().copied().unwrap_or(0))
                        });
                    errors.insert(renamed, why);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(plans)
    } else {
        Err(errors)
    }
}

/// A weekly rule in one cell: `fri,sat 18:00-23:30`, then optionally its dates
/// `2027-01-01..2027-03-31` (either side may be empty).
pub fn repeat_cell(repeat: &plexward_shared::Repeat) -> String {
    let mut cell = format!("{} {}-{}", repeat.days.join(","), repeat.from, repeat.to);
    if repeat.first_date.is_some() || repeat.last_date.is_some() {
        cell.push_str(&format!(
            " {}..{}",
            repeat.first_date.as_deref().unwrap_or_default(),
            repeat.last_date.as_deref().unwrap_or_default()
        ));
    }
    cell
}

/// Reads [`repeat_cell`]'s format; what the parts mean is checked with the rest of the grant.
pub fn parse_repeat_cell(cell: &str) -> Result<plexward_shared::Repeat, String> {
    let form = "write it as `fri,sat 18:00-23:30`, optionally followed by `2027-01-01..2027-03-31`";
    let parts: Vec<&str> = cell.split_whitespace().collect();
    let (days, times, dates) = match parts.as_slice() {
        [days, times] => (*days, *times, None),
        [days, times, dates] => (*days, *times, Some(*dates)),
        _ => return Err(form.into()),
    };
    let (from, to) = times.split_once('-').ok_or_else(|| form.to_owned())?;
    let (first_date, last_date) = match dates {
        None => (None, None),
        Some(dates) => {
            let (first, last) = dates.split_once("..").ok_or_else(|| form.to_owned())?;
            let some = |d: &str| (!d.is_empty()).then(|| d.to_owned());
            (some(first), some(last))
        }
    };
    Ok(plexward_shared::Repeat {
        days: days.split(',').map(|d| d.trim().to_owned()).collect(),
        from: from.to_owned(),
        to: to.to_owned(),
        first_date,
        last_date,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_weekly_rule_fits_one_cell_and_reads_back() {
        let rule = plexward_shared::Repeat {
            days: vec!["fri".into(), "sat".into()],
            from: "18:00".into(),
            to: "23:30".into(),
            first_date: None,
            last_date: Some("2027-03-31".into()),
        };
        let cell = super::repeat_cell(&rule);
        assert_eq!(cell, "fri,sat 18:00-23:30 ..2027-03-31");
        assert_eq!(super::parse_repeat_cell(&cell), Ok(rule));
        assert!(super::parse_repeat_cell("fridays at six").is_err());
    }
}
