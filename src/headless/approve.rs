//! `flightdeck approve RUN [GATE]`: sends one answer to the runner, which stamps it with the
//! caller's uid from the socket and hands it to the gate open now. Exit 0 only when it counted
//! (a rejection counts as acted on), 4 with the reason otherwise.

use crate::cli::ApproveArgs;
use crate::engine::Decision;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::run::decide;

/// Sends one answer at a gate.
pub async fn approve(ctx: &Project, a: &ApproveArgs) -> Result<i32, Error> {
    let gate = a.gate.clone().unwrap_or_default();
    let decision = if a.reject {
        Decision::Reject { gate, comment: a.comment.clone() }
    } else if let Some(p) = &a.phrase {
        Decision::Phrase { gate, text: p.clone() }
    } else if let Some(c) = &a.choose {
        Decision::Choose { gate, option: c.clone() }
    } else {
        Decision::Approve { gate, comment: a.comment.clone() }
    };
    let reply = decide(ctx, &a.run, decision).await?;
    if reply.counted {
        crate::outln!("{}", reply.message);
        Ok(exit::OK)
    } else {
        crate::errln!("flightdeck: {}", reply.message);
        Ok(exit::REJECTED)
    }
}
