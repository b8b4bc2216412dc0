//! Colour depth: detection from `--color`, `COLORTERM` and `TERM` (DESIGN §10), and degrading
//! truecolour to the xterm 256-colour palette or the 16 base colours.

use ratatui::style::{Color, Style};

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit colour.
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// The 16 base colours.
    Ansi16,
}

impl ColorDepth {
    /// `--color` if given, else `COLORTERM` truecolor/24bit, else `TERM` containing 256color, else 16.
    pub fn detect(flag: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        match flag {
            Some("truecolor" | "24bit") => return ColorDepth::TrueColor,
            Some("256") => return ColorDepth::Ansi256,
            Some("16") => return ColorDepth::Ansi16,
            _ => {}
        }
        if colorterm.is_some_and(|c| c == "truecolor" || c == "24bit") {
            ColorDepth::TrueColor
        } else if term.is_some_and(|t| t.contains("256color")) {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

/// The style with its colours reduced to `depth`.
pub fn degrade(style: Style, depth: ColorDepth) -> Style {
    let map = |c: Option<Color>| c.map(|c| degrade_color(c, depth));
    Style { fg: map(style.fg), bg: map(style.bg), ..style }
}

fn degrade_color(c: Color, depth: ColorDepth) -> Color {
    let Color::Rgb(r, g, b) = c else { return c };
    match depth {
        ColorDepth::TrueColor => c,
        ColorDepth::Ansi256 => Color::Indexed(nearest_256(r, g, b)),
        ColorDepth::Ansi16 => nearest_16(r, g, b),
    }
}

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let idx = |v: u8| {
        CUBE.iter()
            .enumerate()
            .min_by_key(|(_, c)| (i32::from(**c) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i)
    };
    let (ri, gi, bi) = (idx(r), idx(g), idx(b));
    let cube = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let gray_i = ((avg.saturating_sub(8)) / 10).min(23);
    let gray = u8::try_from(8 + gray_i * 10).unwrap_or(238);
    let cube_index = u8::try_from(16 + 36 * ri + 6 * gi + bi).unwrap_or(15);
    if dist((r, g, b), (gray, gray, gray)) < dist((r, g, b), cube) {
        u8::try_from(232 + gray_i).unwrap_or(255)
    } else {
        cube_index
    }
}

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> i32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

const BASE16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// The 16-colour equivalent: a coloured value keeps its hue (a soft green stays green, never the
/// grey of the borders); only a near-grey value maps to black, the greys or white.
fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    if max - min < 48 {
        let greys = [BASE16[0], BASE16[8], BASE16[7], BASE16[15]];
        return greys.iter().min_by_key(|(_, rgb)| dist((r, g, b), *rgb)).map_or(Color::White, |(c, _)| *c);
    }
    let (rf, gf, bf) = (f64::from(r), f64::from(g), f64::from(b));
    let delta = f64::from(max - min);
    let hue = if max == r {
        60.0 * ((gf - bf) / delta).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((bf - rf) / delta + 2.0)
    } else {
        60.0 * ((rf - gf) / delta + 4.0)
    };
    // Sectors of 60° centred on red, yellow, green, cyan, blue, magenta.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..=6 by construction
    let sector = (((hue + 30.0) / 60.0).floor() as usize) % 6;
    let bright = max > 220;
    let pick = match sector {
        0 => [Color::Red, Color::LightRed],
        1 => [Color::Yellow, Color::LightYellow],
        2 => [Color::Green, Color::LightGreen],
        3 => [Color::Cyan, Color::LightCyan],
        4 => [Color::Blue, Color::LightBlue],
        _ => [Color::Magenta, Color::LightMagenta],
    };
    pick[usize::from(bright)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_order() {
        assert_eq!(ColorDepth::detect(Some("16"), Some("truecolor"), None), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(None, Some("24bit"), Some("xterm")), ColorDepth::TrueColor);
        assert_eq!(ColorDepth::detect(None, None, Some("screen-256color")), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(None, None, Some("xterm")), ColorDepth::Ansi16);
    }

    #[test]
    fn degrades_to_palettes() {
        assert_eq!(degrade_color(Color::Rgb(215, 0, 0), ColorDepth::Ansi256), Color::Indexed(160));
        assert_eq!(degrade_color(Color::Rgb(128, 128, 128), ColorDepth::Ansi256), Color::Indexed(244));
        assert_eq!(degrade_color(Color::Rgb(215, 0, 0), ColorDepth::Ansi16), Color::Red);
        assert_eq!(degrade_color(Color::Rgb(255, 255, 255), ColorDepth::Ansi16), Color::White);
        assert_eq!(degrade_color(Color::Green, ColorDepth::Ansi16), Color::Green);
        // A soft green (the default theme's success) is green in 16 colours, not the border grey.
        assert_eq!(degrade_color(Color::Rgb(0x5f, 0xd7, 0x87), ColorDepth::Ansi16), Color::Green);
        assert_eq!(degrade_color(Color::Rgb(0x4e, 0x4e, 0x4e), ColorDepth::Ansi16), Color::DarkGray);
    }

    #[test]
    fn every_role_of_every_builtin_theme_keeps_its_meaning_in_16_and_256_colours() {
        use crate::theme::{Role, Theme};
        let meaning = [Role::Ok, Role::Fail, Role::Warn, Role::Running];
        let quiet = [Role::Border, Role::Muted];
        for name in ["default", "high-contrast", "light", "mono"] {
            let theme = Theme::load(name, None).expect("built-in theme");
            for depth in [ColorDepth::Ansi16, ColorDepth::Ansi256] {
                let t = theme.clone().degraded(depth);
                let look = |r: Role| {
                    let s = t.style(r);
                    (s.fg, s.bg, s.add_modifier)
                };
                for m in meaning {
                    for q in quiet {
                        assert_ne!(look(m), look(q), "{name} at {depth:?}: {m:?} looks like {q:?}");
                    }
                }
                assert_ne!(
                    look(Role::Ok),
                    look(Role::Fail),
                    "{name} at {depth:?}: success looks like failure"
                );
            }
        }
    }
}
