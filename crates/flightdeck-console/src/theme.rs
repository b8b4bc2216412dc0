//! Themes: semantic colour roles read from `themes/*.toml`, degraded to the terminal's colour depth.
//!
//! A theme file maps roles (ok, fail, `env_production`, ...) to styles written as words: a foreground
//! colour, `on BACKGROUND`, and modifiers. A user theme may set some roles; the rest fall back to the
//! default theme. Truecolour styles degrade to the 256-colour cube or the 16 base colours; the
//! monochrome theme (selected by `NO_COLOR`) uses attributes only.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

mod degrade;

pub use degrade::{ColorDepth, degrade};

/// Bundled themes: name and file text.
pub const BUNDLED: &[(&str, &str)] = &[
    ("default", include_str!("../../../themes/default.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    ("high-contrast", include_str!("../../../themes/high-contrast.toml")),
    ("mono", include_str!("../../../themes/mono.toml")),
];

/// The semantic roles a theme defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Body text.
    Text,
    /// Secondary text.
    Muted,
    /// Highlights and active elements.
    Accent,
    /// Screen and panel titles.
    Title,
    /// Panel borders.
    Border,
    /// The selected row.
    Selection,
    /// Success.
    Ok,
    /// Warnings and waiting gates.
    Warn,
    /// Failures.
    Fail,
    /// Not started.
    Pending,
    /// Running now.
    Running,
    /// Key hints.
    Key,
    /// The production environment badge.
    EnvProduction,
    /// Other environment badges.
    EnvOther,
    /// The incident banner.
    Banner,
}

const ROLE_NAMES: &[(Role, &str)] = &[
    (Role::Text, "text"),
    (Role::Muted, "muted"),
    (Role::Accent, "accent"),
    (Role::Title, "title"),
    (Role::Border, "border"),
    (Role::Selection, "selection"),
    (Role::Ok, "ok"),
    (Role::Warn, "warn"),
    (Role::Fail, "fail"),
    (Role::Pending, "pending"),
    (Role::Running, "running"),
    (Role::Key, "key"),
    (Role::EnvProduction, "env_production"),
    (Role::EnvOther, "env_other"),
    (Role::Banner, "banner"),
];

/// A loaded theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Its name.
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

/// Why a theme could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    /// The file is not valid.
    #[error("theme {file}: {message}")]
    Invalid {
        /// The file or theme name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// No theme has that name.
    #[error(
        "no theme {0:?}: bundled themes are default, light, high-contrast, mono; or put NAME.toml in themes/"
    )]
    Unknown(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

impl Theme {
    /// Parses theme text; missing roles come from `base`.
    pub fn parse(text: &str, file: &str, base: Option<&Theme>) -> Result<Theme, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid { file: file.to_string(), message };
        let parsed: ThemeFile = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        let mut styles = base.map(|b| b.styles.clone()).unwrap_or_default();
        for (key, spec) in &parsed.roles {
            let role = ROLE_NAMES.iter().find(|(_, n)| n == key).map(|(r, _)| *r).ok_or_else(|| {
                let names: Vec<&str> = ROLE_NAMES.iter().map(|(_, n)| *n).collect();
                invalid(format!("unknown role `{key}`; roles: {}", names.join(", ")))
            })?;
            styles.insert(role, parse_style(spec).map_err(|e| invalid(format!("role `{key}`: {e}")))?);
        }
        if let Some(missing) = ROLE_NAMES.iter().find(|(r, _)| !styles.contains_key(r)) {
            return Err(invalid(format!("role `{}` is not set", missing.1)));
        }
        Ok(Theme { name: parsed.name.unwrap_or_else(|| file.to_string()), styles })
    }

    /// The bundled default theme.
    pub fn default_theme() -> Theme {
        // The bundled file is checked by a test; fall back to an attribute-only theme if it ever broke.
        Theme::parse(BUNDLED[0].1, "default", None).unwrap_or_else(|_| Theme::plain())
    }

    fn plain() -> Theme {
        Theme {
            name: "plain".into(),
            styles: ROLE_NAMES.iter().map(|(r, _)| (*r, Style::default())).collect(),
        }
    }

    /// Loads a theme by name: `DIR/NAME.toml` from `user_dir` first, then the bundled ones.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let base = Theme::default_theme();
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                return Theme::parse(&text, &path.display().to_string(), Some(&base));
            }
        }
        let (_, text) =
            BUNDLED.iter().find(|(n, _)| *n == name).ok_or_else(|| ThemeError::Unknown(name.into()))?;
        Theme::parse(text, name, Some(&base))
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// The same theme with every colour degraded to `depth`.
    #[must_use]
    pub fn degraded(&self, depth: ColorDepth) -> Theme {
        let styles = self.styles.iter().map(|(r, s)| (*r, degrade(*s, depth))).collect();
        Theme { name: self.name.clone(), styles }
    }
}

/// Parses `"#ffffff on #d70000 bold"` into a style.
pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::default();
    let mut words = spec.split_whitespace().peekable();
    let mut first_colour = true;
    while let Some(w) = words.next() {
        let modifier = match w {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if w == "on" {
            let bg = words.next().ok_or("`on` needs a colour after it")?;
            style = style.bg(parse_color(bg)?);
        } else if first_colour {
            style = style.fg(parse_color(w)?);
            first_colour = false;
        } else {
            return Err(format!(
                "unexpected `{w}`: write COLOUR [on COLOUR] [bold|dim|italic|underlined|reversed]"
            ));
        }
    }
    Ok(style)
}

fn parse_color(w: &str) -> Result<Color, String> {
    w.parse::<Color>().map_err(|_| format!("`{w}` is not a colour (#rrggbb or a name like red, lightblue)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_theme_loads_with_every_role() {
        for (name, _) in BUNDLED {
            let t = Theme::load(name, None).unwrap();
            assert_eq!(&t.name, name);
            for (role, _) in ROLE_NAMES {
                let _ = t.style(*role);
            }
        }
        let mono = Theme::load("mono", None).unwrap();
        assert!(mono.style(Role::Fail).add_modifier.contains(Modifier::REVERSED));
        assert_eq!(mono.style(Role::Fail).fg, None);
        assert!(mono.style(Role::EnvProduction).add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn user_theme_overrides_some_roles() {
        let t = Theme::parse("[roles]\nok = \"green\"\n", "mine", Some(&Theme::default_theme())).unwrap();
        assert_eq!(t.style(Role::Ok).fg, Some(Color::Green));
        assert_eq!(t.style(Role::Fail), Theme::default_theme().style(Role::Fail));
        let err = Theme::parse("[roles]\nokk = \"green\"\n", "mine", None).unwrap_err().to_string();
        assert!(err.contains("unknown role `okk`"), "{err}");
        let err = Theme::parse("[roles]\nok = \"grean\"\n", "mine", None).unwrap_err().to_string();
        assert!(err.contains("not a colour"), "{err}");
    }

    #[test]
    fn styles_parse() {
        let s = parse_style("#ffffff on #d70000 bold").unwrap();
        assert_eq!(s.fg, Some(Color::Rgb(255, 255, 255)));
        assert_eq!(s.bg, Some(Color::Rgb(215, 0, 0)));
        assert!(s.add_modifier.contains(Modifier::BOLD));
    }
}
