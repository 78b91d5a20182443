//! Converting Plover's [`Value`]s to and from PostgreSQL's types.

use std::error::Error;

use plover_core::{DriverError, ErrorKind, Value};
use tokio_postgres::Row;
use tokio_postgres::types::{Format, IsNull, Kind, ToSql, Type, to_sql_checked};

/// A [`Value`] as a bind parameter, converted to whatever type the server inferred.
#[derive(Debug)]
pub struct Param<'a>(pub &'a Value);

/// A parameter type left for the server to infer when it parses the statement (type oid 0).
/// Such a parameter is sent as text, which the server converts to the type it inferred.
pub fn inferred() -> Type {
    Type::new(
        "unspecified".to_owned(),
        0,
        Kind::Pseudo,
        "pg_catalog".to_owned(),
    )
}

fn is_inferred(ty: &Type) -> bool {
    ty.oid() == 0
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        if is_inferred(ty) {
            return Ok(self.to_text(out));
        }
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::OID => u32::try_from(*i)?.to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                    i.to_string().to_sql(ty, out)
                }
                _ => i.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        if is_inferred(ty) {
            Format::Text
        } else {
            Format::Binary
        }
    }

    to_sql_checked!();
}

impl Param<'_> {
    /// The value in PostgreSQL's text input format.
    fn to_text(&self, out: &mut bytes::BytesMut) -> IsNull {
        match self.0 {
            Value::Null => return IsNull::Yes,
            Value::Bool(b) => out.extend_from_slice(if *b { b"t" } else { b"f" }),
            Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
        }
        IsNull::No
    }
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
