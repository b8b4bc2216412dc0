//! The launch form: one field per parameter (text, choice, boolean), the environment, dry run,
//! errors next to their field, then a plan preview before the run starts.

use std::collections::BTreeMap;

use crate::app::input::TextInput;
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::workflow::model::{ParamType, Workflow};
use flightdeck_core::workflow::plan::coerce_param;
use flightdeck_core::workflow::template::value_text;

/// What a field holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Free text.
    Text(Box<TextInput>),
    /// One of several options.
    Choice {
        /// The options.
        options: Vec<String>,
        /// The selected one.
        selected: usize,
    },
    /// On or off.
    Bool(bool),
}

/// One form field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Parameter name (`@env` and `@dry_run` for the run's own fields).
    pub name: String,
    /// Label.
    pub label: String,
    /// Value.
    pub value: FieldValue,
    /// Validation error shown beside the field.
    pub error: Option<String>,
    /// Help text.
    pub help: Option<String>,
    /// Must have a value.
    pub required: bool,
}

impl Field {
    /// Applies an editing key: text input, ←→/space through choices, space/←→ toggles a switch.
    pub fn edit(&mut self, key: Key) {
        match &mut self.value {
            FieldValue::Text(t) => {
                t.key(key);
            }
            FieldValue::Choice { options, selected } => {
                let n = options.len().max(1);
                match key.code {
                    KeyCode::Right | KeyCode::Char(' ' | 'l') => *selected = (*selected + 1) % n,
                    KeyCode::Left | KeyCode::Char('h') => *selected = (*selected + n - 1) % n,
                    _ => {}
                }
            }
            FieldValue::Bool(b) => {
                if matches!(key.code, KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right) {
                    *b = !*b;
                }
            }
        }
        self.error = None;
    }

    /// The value as text.
    pub fn text(&self) -> String {
        match &self.value {
            FieldValue::Text(t) => t.value(),
            FieldValue::Choice { options, selected } => options.get(*selected).cloned().unwrap_or_default(),
            FieldValue::Bool(b) => b.to_string(),
        }
    }
}

/// The launch form of one workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchForm {
    /// The workflow.
    pub workflow: Workflow,
    /// The fields: parameters, then environment and dry run.
    pub fields: Vec<Field>,
    /// The focused field.
    pub focus: usize,
    /// Showing the plan preview (Enter again starts).
    pub preview: bool,
    /// Each environment's `environment.*` template variables, to show defaults that name them.
    pub env_vars: EnvVars,
    /// Defaults that are templates: field index, the default as written, the text shown for it.
    templated: Vec<(usize, serde_json::Value, String)>,
    /// Templated defaults the form cannot resolve for the selected environment: field index and
    /// the error naming the template and why (the field must be typed before the run starts).
    pub unresolved: BTreeMap<usize, String>,
}

/// Each environment's `environment.*` template variables, by environment name.
pub type EnvVars = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

impl LaunchForm {
    /// A form for `wf` with `envs` (production ones marked) and the default environment.
    pub fn new(wf: &Workflow, envs: &[(String, bool)], default_env: &str) -> LaunchForm {
        let mut fields: Vec<Field> = wf.params.iter().map(param_field).collect();
        let options: Vec<String> = envs.iter().map(|(n, _)| n.clone()).collect();
        let selected = options.iter().position(|n| n == default_env).unwrap_or(0);
        fields.push(Field {
            name: "@env".into(),
            label: "Environment".into(),
            value: FieldValue::Choice { options, selected },
            error: None,
            help: Some("its approval policy applies".into()),
            required: true,
        });
        fields.push(Field {
            name: "@dry_run".into(),
            label: "Dry run".into(),
            value: FieldValue::Bool(false),
            error: None,
            help: Some("nothing that changes anything runs".into()),
            required: false,
        });
        let templated = wf
            .params
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let d = p.default.as_ref()?;
                d.as_str().is_some_and(|t| t.contains("{{")).then(|| (i, d.clone(), value_text(d)))
            })
            .collect();
        let mut form = LaunchForm {
            workflow: wf.clone(),
            fields,
            focus: 0,
            preview: false,
            env_vars: EnvVars::new(),
            templated,
            unresolved: BTreeMap::new(),
        };
        form.refresh_defaults();
        form
    }

    /// The form with the environments' template variables: defaults such as
    /// `{{ environment.name }}-latest` show their value for the selected environment.
    #[must_use]
    pub fn with_env_vars(mut self, env_vars: EnvVars) -> LaunchForm {
        self.env_vars = env_vars;
        self.refresh_defaults();
        self
    }

    /// Shows templated defaults rendered for the selected environment (never the raw `{{ … }}`);
    /// a default the operator edited is left alone. One that cannot be resolved before the run
    /// (it names a step's outputs, a parameter, or a key the environment lacks) shows blank with
    /// an error naming the template and why: the run does not start until a value is typed.
    fn refresh_defaults(&mut self) {
        let env = self.env_vars.get(&self.environment()).cloned().unwrap_or_default();
        for (i, raw, shown) in &mut self.templated {
            let Some(field) = self.fields.get_mut(*i) else { continue };
            let FieldValue::Text(input) = &mut field.value else { continue };
            if input.value() != *shown {
                continue;
            }
            let text = match flightdeck_core::workflow::plan::resolve_default(raw, &env) {
                Ok(v) => {
                    self.unresolved.remove(i);
                    field.error = None;
                    value_text(&v)
                }
                Err(why) => {
                    let e = format!("default {} cannot be resolved: {why}; type a value", value_text(raw));
                    field.error = Some(e.clone());
                    self.unresolved.insert(*i, e);
                    String::new()
                }
            };
            **input = TextInput::new(&text);
            shown.clone_from(&text);
        }
    }

    /// The selected environment.
    pub fn environment(&self) -> String {
        self.fields.iter().find(|f| f.name == "@env").map(Field::text).unwrap_or_default()
    }

    fn dry_run(&self) -> bool {
        self.fields.iter().any(|f| f.name == "@dry_run" && f.value == FieldValue::Bool(true))
    }

    /// Handles a key; returns the launch effect when the operator confirms the preview.
    pub fn key(&mut self, key: Key) -> Option<Effect> {
        if self.preview {
            if key.code == KeyCode::Enter {
                return self.launch();
            }
            self.preview = false;
            return None;
        }
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % self.fields.len().max(1),
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + self.fields.len().max(1) - 1) % self.fields.len().max(1);
            }
            KeyCode::Enter => self.preview = self.validate(),
            _ => self.edit(key),
        }
        None
    }

    fn edit(&mut self, key: Key) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.edit(key);
            if field.name == "@env" {
                self.refresh_defaults();
            } else if let Some(e) = self.unresolved.get(&self.focus) {
                // The unresolved default's error shows while the field is blank.
                field.error = field.text().is_empty().then(|| e.clone());
            }
        }
    }

    /// Checks every field, setting errors; true when all are valid.
    pub fn validate(&mut self) -> bool {
        let wf = self.workflow.clone();
        let mut ok = true;
        for (i, field) in self.fields.iter_mut().enumerate() {
            field.error = None;
            let Some(param) = wf.param(&field.name) else { continue };
            let text = field.text();
            if text.is_empty() {
                if let Some(e) = self.unresolved.get(&i) {
                    field.error = Some(e.clone());
                    ok = false;
                } else if param.required && param.default.is_none() {
                    field.error = Some("required".into());
                    ok = false;
                }
                continue;
            }
            if let Err(e) = coerce_param(param, &text) {
                field.error =
                    Some(e.to_string().split_once(": ").map_or(e.to_string(), |(_, m)| m.to_string()));
                ok = false;
            }
        }
        if !ok {
            self.focus = self.fields.iter().position(|f| f.error.is_some()).unwrap_or(self.focus);
        }
        ok
    }

    fn launch(&mut self) -> Option<Effect> {
        if !self.validate() {
            self.preview = false;
            return None;
        }
        let params: BTreeMap<String, String> = self
            .fields
            .iter()
            .filter(|f| !f.name.starts_with('@'))
            .map(|f| (f.name.clone(), f.text()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Some(Effect::Launch {
            workflow: self.workflow.name.clone(),
            environment: self.environment(),
            params,
            dry_run: self.dry_run(),
        })
    }
}

fn param_field(p: &flightdeck_core::workflow::model::Param) -> Field {
    let default_text = p.default.as_ref().map(value_text).unwrap_or_default();
    let value = match &p.ty {
        ParamType::Choice { choices } => FieldValue::Choice {
            options: choices.clone(),
            selected: choices.iter().position(|c| *c == default_text).unwrap_or(0),
        },
        ParamType::Bool => {
            FieldValue::Bool(p.default.as_ref().and_then(serde_json::Value::as_bool).unwrap_or(false))
        }
        ParamType::String | ParamType::Number => FieldValue::Text(Box::new(TextInput::new(&default_text))),
    };
    Field {
        name: p.name.clone(),
        label: p.prompt.clone(),
        value,
        error: None,
        help: p.help.clone(),
        required: p.required,
    }
}
