//! Editing one access list of a user (groups, zones, permissions or forbids): DynECT's Add, Set and Remove.

use super::error::DomainError;
use super::permission::{Group, Permission};
use super::user::Access;
use super::values::{Forbid, Zone};

/// What an edit does with the items it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEdit {
    /// Adds the items the list lacks; items already there are kept as they are (or updated, for zones).
    Add,
    /// Replaces the whole list.
    Set,
    /// Removes the items named; naming one the list lacks changes nothing.
    Remove,
}

impl ListEdit {
    pub fn verb(self) -> &'static str {
        match self {
            ListEdit::Add => "added",
            ListEdit::Set => "set",
            ListEdit::Remove => "removed",
        }
    }
}

/// The items of one access list, as a request names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessItems {
    Groups(Vec<Group>),
    Zones(Vec<Zone>),
    Permissions(Vec<Permission>),
    Forbids(Vec<Forbid>),
}

impl AccessItems {
    /// The request element (and UserData field) the list is written as.
    pub fn field(&self) -> &'static str {
        match self {
            AccessItems::Groups(_) => "group_name",
            AccessItems::Zones(_) => "zone",
            AccessItems::Permissions(_) => "permission",
            AccessItems::Forbids(_) => "forbid",
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            AccessItems::Groups(v) => v.is_empty(),
            AccessItems::Zones(v) => v.is_empty(),
            AccessItems::Permissions(v) => v.is_empty(),
            AccessItems::Forbids(v) => v.is_empty(),
        }
    }
}

/// Zone names are DNS names: equal ignoring ASCII case and a trailing dot.
fn zone_key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a zone grant or forbid reaches `name`: the zone itself, and with `recurse` every name below it.
pub fn zone_covers(z: &Zone, name: &str) -> bool {
    let (zone, name) = (zone_key(z.zone_name.as_str()), zone_key(name));
    name == zone || (z.recurse && name.strip_suffix(zone.as_str()).is_some_and(|head| head.ends_with('.')))
}

fn same_zone(a: &Zone, b: &Zone) -> bool {
    // Called for every pair in an edit: compare in place rather than allocate keys.
    let (a, b) = (a.zone_name.as_str().trim_end_matches('.'), b.zone_name.as_str().trim_end_matches('.'));
    a.eq_ignore_ascii_case(b)
}

/// Adds `z`, or updates `recurse` of the zone of the same name.
fn add_zone(list: &mut Vec<Zone>, z: &Zone) {
    match list.iter_mut().find(|have| same_zone(have, z)) {
        Some(have) => have.recurse = z.recurse,
        None => list.push(z.clone()),
    }
}

fn add_forbid(list: &mut Vec<Forbid>, f: &Forbid) {
    let Some(have) = list.iter_mut().find(|have| have.name == f.name) else {
        let mut zones = Vec::new();
        f.zones.iter().for_each(|z| add_zone(&mut zones, z));
        list.push(Forbid { name: f.name, zones });
        return;
    };
    // A forbid without zones applies everywhere: it already covers any zone, and one without zones widens to it.
    if have.zones.is_empty() {
        return;
    }
    if f.zones.is_empty() {
        have.zones.clear();
        return;
    }
    f.zones.iter().for_each(|z| add_zone(&mut have.zones, z));
}

/// Without zones: the forbid goes. With zones: only those zones go from a zoned forbid, and the forbid with them
/// when none is left (an empty zone list would widen it to everywhere). A forbid that applies everywhere cannot be
/// narrowed by removing zones from it: remove it and add the zones wanted.
fn remove_forbid(list: &mut Vec<Forbid>, f: &Forbid) {
    if f.zones.is_empty() {
        list.retain(|have| have.name != f.name);
        return;
    }
    list.retain_mut(|have| {
        if have.name != f.name || have.zones.is_empty() {
            return true;
        }
        have.zones.retain(|z| !f.zones.iter().any(|gone| same_zone(z, gone)));
        !have.zones.is_empty()
    });
}

fn add_unique<T: PartialEq + Copy>(list: &mut Vec<T>, items: &[T]) {
    for &i in items {
        if !list.contains(&i) {
            list.push(i);
        }
    }
}

/// Longest access list (and zone list of one forbid) a user may have. Add accumulates across requests, and every
/// edit compares items pairwise inside the write transaction: the cap bounds both the work and the UserData size.
pub const MAX_LIST_ITEMS: usize = 1000;

impl Access {
    /// The lists after `edit` with `items`; the other lists are unchanged. DEFAULT cannot be removed: every user is
    /// in it (a Set without it keeps it, as UpdateUser does). A list longer than `MAX_LIST_ITEMS` is INVALID_DATA.
    pub fn edited(&self, edit: ListEdit, items: &AccessItems) -> Result<Access, DomainError> {
        let next = self.apply(edit, items)?;
        let longest = next
            .zones
            .len()
            .max(next.permissions.len())
            .max(next.forbids.len())
            .max(next.forbids.iter().map(|f| f.zones.len()).max().unwrap_or(0));
        if longest > MAX_LIST_ITEMS {
            let field = items.field();
            return Err(DomainError::invalid(field, format_args!("a user has at most {MAX_LIST_ITEMS} of these")));
        }
        Ok(next)
    }

    fn apply(&self, edit: ListEdit, items: &AccessItems) -> Result<Access, DomainError> {
        let mut next = self.clone();
        match (edit, items) {
            (ListEdit::Remove, AccessItems::Groups(gs)) if gs.contains(&Group::Default) => {
                return Err(DomainError::illegal("group_name", "every user stays in DEFAULT"));
            }
            (ListEdit::Add, AccessItems::Groups(gs)) => add_unique(&mut next.groups, gs),
            (ListEdit::Set, AccessItems::Groups(gs)) => {
                next.groups.clear();
                add_unique(&mut next.groups, gs);
            }
            (ListEdit::Remove, AccessItems::Groups(gs)) => next.groups.retain(|g| !gs.contains(g)),
            (ListEdit::Add, AccessItems::Permissions(ps)) => add_unique(&mut next.permissions, ps),
            (ListEdit::Set, AccessItems::Permissions(ps)) => {
                next.permissions.clear();
                add_unique(&mut next.permissions, ps);
            }
            (ListEdit::Remove, AccessItems::Permissions(ps)) => next.permissions.retain(|p| !ps.contains(p)),
            (ListEdit::Add, AccessItems::Zones(zs)) => zs.iter().for_each(|z| add_zone(&mut next.zones, z)),
            (ListEdit::Set, AccessItems::Zones(zs)) => {
                next.zones.clear();
                zs.iter().for_each(|z| add_zone(&mut next.zones, z));
            }
            (ListEdit::Remove, AccessItems::Zones(zs)) => {
                next.zones.retain(|z| !zs.iter().any(|gone| same_zone(z, gone)));
            }
            (ListEdit::Add, AccessItems::Forbids(fs)) => fs.iter().for_each(|f| add_forbid(&mut next.forbids, f)),
            (ListEdit::Set, AccessItems::Forbids(fs)) => {
                next.forbids.clear();
                fs.iter().for_each(|f| add_forbid(&mut next.forbids, f));
            }
            (ListEdit::Remove, AccessItems::Forbids(fs)) => fs.iter().for_each(|f| remove_forbid(&mut next.forbids, f)),
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::values::Text;

    fn zone(name: &str, recurse: bool) -> Zone {
        Zone { zone_name: Text::trusted(name.into()), recurse }
    }

    fn forbid(p: Permission, zones: &[&str]) -> Forbid {
        Forbid { name: p, zones: zones.iter().map(|z| zone(z, true)).collect() }
    }

    #[test]
    fn groups_and_permissions() {
        let a = Access { groups: vec![Group::Default], ..Access::default() };
        let b = a.edited(ListEdit::Add, &AccessItems::Groups(vec![Group::Admin, Group::Admin])).unwrap();
        assert_eq!(b.groups, vec![Group::Default, Group::Admin]);
        let c = b.edited(ListEdit::Remove, &AccessItems::Groups(vec![Group::Admin, Group::Owner])).unwrap();
        assert_eq!(c.groups, vec![Group::Default]);
        assert!(c.edited(ListEdit::Remove, &AccessItems::Groups(vec![Group::Default])).is_err());
        let p = a
            .edited(ListEdit::Set, &AccessItems::Permissions(vec![Permission::UserGet, Permission::ZoneGet]))
            .unwrap()
            .edited(ListEdit::Remove, &AccessItems::Permissions(vec![Permission::UserGet]))
            .unwrap();
        assert_eq!(p.permissions, vec![Permission::ZoneGet]);
        assert_eq!(p.groups, a.groups);
    }

    #[test]
    fn lists_are_capped() {
        let many: Vec<Zone> = (0..MAX_LIST_ITEMS).map(|i| zone(&format!("z{i}.org"), true)).collect();
        let full = Access::default().edited(ListEdit::Set, &AccessItems::Zones(many)).unwrap();
        let err = full.edited(ListEdit::Add, &AccessItems::Zones(vec![zone("one-more.org", true)])).unwrap_err();
        assert_eq!(err.info, format!("zone: a user has at most {MAX_LIST_ITEMS} of these"));
        assert!(full.edited(ListEdit::Add, &AccessItems::Zones(vec![zone("Z0.ORG.", false)])).is_ok());
    }

    #[test]
    fn zone_coverage() {
        assert!(zone_covers(&zone("Example.org", false), "example.ORG."));
        assert!(!zone_covers(&zone("example.org", false), "www.example.org"));
        assert!(zone_covers(&zone("example.org", true), "www.example.org"));
        assert!(!zone_covers(&zone("example.org", true), "badexample.org"));
    }

    #[test]
    fn zones_match_by_dns_name() {
        let a = Access { zones: vec![zone("Example.org.", true)], ..Access::default() };
        let b = a
            .edited(ListEdit::Add, &AccessItems::Zones(vec![zone("example.org", false), zone("b.net", true)]))
            .unwrap();
        assert_eq!(b.zones, vec![zone("Example.org.", false), zone("b.net", true)]);
        let c = b.edited(ListEdit::Remove, &AccessItems::Zones(vec![zone("EXAMPLE.ORG", true)])).unwrap();
        assert_eq!(c.zones, vec![zone("b.net", true)]);
    }

    #[test]
    fn forbids_widen_and_narrow() {
        let a = Access { forbids: vec![forbid(Permission::RecordAdd, &["a.org"])], ..Access::default() };
        let b =
            a.edited(ListEdit::Add, &AccessItems::Forbids(vec![forbid(Permission::RecordAdd, &["b.org"])])).unwrap();
        assert_eq!(b.forbids, vec![forbid(Permission::RecordAdd, &["a.org", "b.org"])]);
        let c =
            b.edited(ListEdit::Remove, &AccessItems::Forbids(vec![forbid(Permission::RecordAdd, &["a.org"])])).unwrap();
        assert_eq!(c.forbids, vec![forbid(Permission::RecordAdd, &["b.org"])]);
        // Removing the last zone removes the forbid rather than widening it to everywhere.
        let d =
            c.edited(ListEdit::Remove, &AccessItems::Forbids(vec![forbid(Permission::RecordAdd, &["b.org"])])).unwrap();
        assert!(d.forbids.is_empty());
        let everywhere =
            b.edited(ListEdit::Add, &AccessItems::Forbids(vec![forbid(Permission::RecordAdd, &[])])).unwrap();
        assert_eq!(everywhere.forbids, vec![forbid(Permission::RecordAdd, &[])]);
        let still = everywhere
            .edited(ListEdit::Remove, &AccessItems::Forbids(vec![forbid(Permission::RecordAdd, &["a.org"])]))
            .unwrap();
        assert_eq!(still, everywhere);
        let gone = everywhere
            .edited(ListEdit::Remove, &AccessItems::Forbids(vec![forbid(Permission::RecordAdd, &[])]))
            .unwrap();
        assert!(gone.forbids.is_empty());
    }
}
