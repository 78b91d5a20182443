//! Converting Plover's [`Value`]s to and from PostgreSQL's types.

use std::error::Error;

use plover_core::{DriverError, ErrorKind, Value};
use tokio_postgres::Row;
use tokio_postgres::types::{Format, IsNull, Kind, ToSql, Type, to_sql_checked};

/// A [`Value`] as a bind parameter, always sent in PostgreSQL's text input format: the
/// server converts it to the parameter's type, whether it inferred that type when the
/// statement was prepared or when it was sent unprepared, so both answer alike (`'1234'` into
/// an `integer` is 1234 either way, never its bytes read as a binary integer).
#[derive(Debug)]
pub struct Param<'a>(pub &'a Value);

/// A parameter type left for the server to infer when it parses the statement (type oid 0).
pub fn inferred() -> Type {
    Type::new(
        "unspecified".to_owned(),
        0,
        Kind::Pseudo,
        "pg_catalog".to_owned(),
    )
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Value::Null => return Ok(IsNull::Yes),
            Value::Bool(b) => out.extend_from_slice(if *b { b"t" } else { b"f" }),
            Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _: &Type) -> Format {
        Format::Text
    }

    to_sql_checked!();
}

/// Column `i` of `row` as a [`Value`].
pub fn column(row: &Row, i: usize) -> Result<Value, DriverError> {
    let ty = row.columns()[i].type_();
    let value = match *ty {
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map(|v| v.map(Value::Bool)),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map(|v| v.map(|x| Value::Int(x.into()))),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map(|v| v.map(|x| Value::Int(x.into()))),
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::OID => row
            .try_get::<_, Option<u32>>(i)
            .map(|v| v.map(|x| Value::Int(x.into()))),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR | Type::UNKNOWN => row
            .try_get::<_, Option<String>>(i)
            .map(|v| v.map(Value::Text)),
        _ => {
            let name = row.columns()[i].name();
            return Err(DriverError::new(
                ErrorKind::Query,
                format!(
                    "column `{name}` has type {ty}, which Plover does not read; cast it to text"
                ),
            ));
        }
    };
    let value = value.map_err(|e| DriverError::new(ErrorKind::Query, e.to_string()))?;
    Ok(value.unwrap_or(Value::Null))
}
