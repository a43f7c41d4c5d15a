//! RotateSecret and CancelRotateSecret.
//!
//! Rotation rules are validated as AWS validates them. Tresor cannot yet
//! invoke a rotation function (the rotation issue adds built-in database
//! rotators and function executors), so RotateSecret answers exactly as AWS
//! does for a function it cannot invoke — AccessDeniedException — and stores
//! nothing.

use tresor_wire::dto::{
    CancelRotateSecretRequest, CancelRotateSecretResponse, RotateSecretRequest,
    RotateSecretResponse, RotationRules,
};
use tresor_wire::{AwsError, ErrorCode};

use super::labels::AWSPENDING;
use super::secret::{SecretState, resolve_writable};
use super::{Ctx, Service, errors};

pub async fn rotate_secret(
    svc: &Service,
    ctx: &Ctx,
    req: RotateSecretRequest,
) -> Result<RotateSecretResponse, AwsError> {
    if req.client_request_token.is_none() {
        // Recorded from AWS: the same text as the other write operations,
        // but as InvalidParameterException.
        return Err(errors::invalid_parameter(errors::token_required().message));
    }
    if let Some(rules) = &req.rotation_rules {
        validate_rules(rules)?;
    }
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let row = resolve_writable(txn, &ctx, &req.secret_id)?;
        let stored = row.rotation.as_ref().and_then(|r| r.lambda_arn.clone());
        let lambda = req.rotation_lambda_arn.clone().filter(|a| !a.is_empty()).or(stored);
        if lambda.is_none() {
            return Err(errors::invalid_request(
                "No Lambda rotation function ARN is associated with this secret.",
            ));
        }
        Err(AwsError::new(
            ErrorCode::AccessDeniedException,
            "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy \
             grants access to the principal secretsmanager.amazonaws.com.",
        ))
    })
    .await
}

pub async fn cancel_rotate_secret(
    svc: &Service,
    ctx: &Ctx,
    req: CancelRotateSecretRequest,
) -> Result<CancelRotateSecretResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let mut row = resolve_writable(txn, &ctx, &req.secret_id)?;
        if let Some(rotation) = row.rotation.as_mut()
            && rotation.enabled
        {
            rotation.enabled = false;
            row.last_changed = now;
            txn.update_secret(&row)?;
        }
        let state = SecretState::load(txn, row)?;
        Ok(CancelRotateSecretResponse {
            arn: Some(state.row.arn.clone()),
            name: Some(state.row.name.clone()),
            version_id: state.labels.get(AWSPENDING).cloned(),
        })
    })
    .await
}

/// Checks `RotationRules` beyond the model: one schedule kind, a valid
/// `rate()`/`cron()` expression, and a window that fits.
pub fn validate_rules(rules: &RotationRules) -> Result<(), AwsError> {
    match (rules.automatically_after_days, &rules.schedule_expression) {
        (Some(_), Some(_)) => {
            return Err(errors::invalid_parameter(
                "You can't specify both AutomaticallyAfterDays and ScheduleExpression.",
            ));
        }
        (None, None) => {
            return Err(errors::invalid_parameter(
                "RotationRules must include AutomaticallyAfterDays or ScheduleExpression.",
            ));
        }
        (Some(days), None) if !(1..=1000).contains(&days) => {
            return Err(errors::invalid_parameter(
                "AutomaticallyAfterDays must be between 1 and 1000.",
            ));
        }
        (_, Some(expression)) => validate_schedule(expression)?,
        _ => {}
    }
    if let Some(duration) = &rules.duration {
        let hours: Option<u32> = duration.strip_suffix('h').and_then(|h| h.parse().ok());
        if !hours.is_some_and(|h| (1..=24).contains(&h)) {
            return Err(errors::invalid_parameter(format!(
                "The rotation window Duration {duration} is invalid: it must be between 1h and 24h."
            )));
        }
    }
    Ok(())
}

fn validate_schedule(expression: &str) -> Result<(), AwsError> {
    let invalid = |why: &str| {
        errors::invalid_parameter(format!(
            "The ScheduleExpression {expression} is invalid: {why}"
        ))
    };
    if let Some(rate) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let (n, unit) = rate
            .split_once(' ')
            .ok_or_else(|| invalid("expected rate(N hours) or rate(N days)"))?;
        let n: u32 = n
            .parse()
            .map_err(|_| invalid("the rate must be a whole number"))?;
        return match unit {
            "hour" | "hours" if (4..=23).contains(&n) => Ok(()),
            "hour" | "hours" => Err(invalid("a rate in hours must be between 4 and 23 hours")),
            "day" | "days" if (1..=1000).contains(&n) => Ok(()),
            "day" | "days" => Err(invalid("a rate in days must be between 1 and 1000 days")),
            _ => Err(invalid("the unit must be hours or days")),
        };
    }
    if let Some(cron) = expression
        .strip_prefix("cron(")
        .and_then(|c| c.strip_suffix(')'))
    {
        let fields: Vec<&str> = cron.split_whitespace().collect();
        let [minutes, hours, day_of_month, month, day_of_week, year] = fields[..] else {
            return Err(invalid("a cron expression has six fields"));
        };
        if minutes != "0" {
            return Err(invalid(
                "Secrets Manager rotates on the hour: the minutes field must be 0",
            ));
        }
        if year != "*" {
            return Err(invalid("the year field must be *"));
        }
        if (day_of_month == "?") == (day_of_week == "?") {
            return Err(invalid(
                "exactly one of day-of-month and day-of-week must be ?",
            ));
        }
        let allowed = |f: &str| {
            !f.is_empty()
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ",-*/?#LW".contains(c))
        };
        if ![hours, day_of_month, month, day_of_week]
            .into_iter()
            .all(allowed)
        {
            return Err(invalid("a field contains characters cron does not allow"));
        }
        return Ok(());
    }
    Err(invalid("expected rate(...) or cron(...)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(days: Option<i64>, expr: Option<&str>, duration: Option<&str>) -> RotationRules {
        RotationRules {
            automatically_after_days: days,
            schedule_expression: expr.map(String::from),
            duration: duration.map(String::from),
        }
    }

    #[test]
    fn accepts_aws_examples() {
        for r in [
            rules(Some(30), None, None),
            rules(None, Some("rate(10 days)"), None),
            rules(None, Some("rate(4 hours)"), Some("2h")),
            rules(None, Some("cron(0 16 1,15 * ? *)"), Some("3h")),
            rules(None, Some("cron(0 8 ? * MON-FRI *)"), None),
            rules(None, Some("cron(0 10 ? * 6#3 *)"), None),
        ] {
            validate_rules(&r).unwrap();
        }
    }

    #[test]
    fn rejects_invalid_rules() {
        for r in [
            rules(Some(30), Some("rate(10 days)"), None),
            rules(None, None, None),
            rules(None, Some("rate(1 hours)"), None),
            rules(None, Some("rate(ten days)"), None),
            rules(None, Some("cron(15 16 1 * ? *)"), None),
            rules(None, Some("cron(0 16 1 * * *)"), None),
            rules(None, Some("cron(0 16 1 * ? 2030)"), None),
            rules(None, Some("cron(0 16 1 *)"), None),
            rules(None, Some("at(2030-01-01)"), None),
            rules(Some(30), None, Some("25h")),
            rules(Some(0), None, None),
        ] {
            let e = validate_rules(&r).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameterException, "{r:?}");
        }
    }
}
