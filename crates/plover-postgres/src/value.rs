//! Converting Plover's [`Value`]s to and from PostgreSQL's types.

use std::error::Error;

use plover_core::{DriverError, ErrorKind, Value};
use tokio_postgres::Row;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A [`Value`] as a bind parameter, converted to whatever type the server inferred.
#[derive(Debug)]
pub struct Param<'a>(pub &'a Value);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
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
