//! The pickers that change what the stream shows: the time range and the saved views.
use super::navigation::{apply_query, search};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::backend::{RangePreset, TimeRange};
use crate::tui::form::{Field, Form, FormKind, Opt};

pub(super) fn open_range_picker(app: &mut App) {
    let mut opts: Vec<Opt> = RangePreset::ALL
        .iter()
        .map(|p| Opt::new(&format!("last {}", p.label()), p.label()))
        .collect();
    opts.push(Opt::new("all time", "all"));
    opts.push(Opt::new("custom…", "custom"));
    let spec = app.range.spec();
    let mut f = Form::new(FormKind::TimeRange, "Time range", vec![])
        .field(Field::choice("range", "Range", opts))
        .field(
            Field::text(
                "custom",
                "From..To (RFC 3339)",
                &format!(
                    "{}..{}",
                    (app.now - chrono::TimeDelta::days(1)).format("%Y-%m-%dT%H:%M:%SZ"),
                    app.now.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            )
            .when("range", &["custom"]),
        );
    if let Some(fld) = f.field_mut("range") {
        fld.select_value(if matches!(app.range, TimeRange::Custom { .. }) {
            "custom"
        } else {
            &spec
        });
    }
    app.form = Some(f);
}

pub(super) fn open_view_picker(app: &mut App) {
    let opts = app
        .opts
        .views
        .iter()
        .map(|v| {
            Opt::new(
                &format!("{:<10} {} [{}]", v.name, v.query, v.range),
                &v.name,
            )
        })
        .collect();
    app.form = Some(
        Form::new(FormKind::View, "Saved views", vec![]).field(Field::filtered(
            "view",
            "View (type to filter)",
            opts,
        )),
    );
}

pub(super) fn apply_view(app: &mut App, name: &str) -> Vec<Effect> {
    let Some(v) = app.opts.views.iter().find(|v| v.name == name).cloned() else {
        app.error(format!(
            "no view named {:?}",
            crate::tui::text::fit(name, 40)
        ));
        return vec![];
    };
    if let Some(r) = TimeRange::parse(&v.range) {
        app.range = r;
    }
    app.facets_shown = Some(v.facets);
    app.info(format!("view {}", v.name));
    apply_query(app, v.query.clone())
}

/// A completed time-range picker: the range it names, or why not (the picker stays open).
pub(super) fn submit_range(app: &mut App, f: Form) -> Vec<Effect> {
    let v = f.get("range").unwrap_or_default();
    let parsed = if v == "custom" {
        TimeRange::parse(&f.get("custom").unwrap_or_default())
    } else {
        TimeRange::parse(&v)
    };
    match parsed {
        Some(r) => {
            app.range = r;
            let q = app.query.clone();
            vec![search(app, &q)]
        }
        None => {
            app.error("custom range: FROM..TO, both RFC 3339, FROM first");
            app.form = Some(f);
            vec![]
        }
    }
}
