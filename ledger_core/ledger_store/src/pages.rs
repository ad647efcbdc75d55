//! A direct reader of a rowid table's b-tree pages in a SQLite database file
//! (the documented file format: <https://sqlite.org/fileformat2.html>),
//! used by the verifier when the file alone holds the reading transaction's
//! snapshot (see `store::pages_are_snapshot`). It skips SQLite's SQL layer,
//! which costs more than hashing a row.
//!
//! Every anomaly (unknown page type, pointer out of range, bad record header)
//! is an error; the caller then falls back to reading through SQLite.

use std::fs::File;
use std::os::unix::fs::FileExt;

/// One decoded column value, borrowing from the page or overflow buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real,
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

pub struct PageFile {
    file: File,
    page_size: usize,
    usable: usize,
    pages: u64,
}

fn be16(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 2)
        .map(|s| usize::from(u16::from_be_bytes([s[0], s[1]])))
        .ok_or_else(|| "truncated page".to_string())
}

fn be32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| "truncated page".to_string())
}

/// SQLite varint at `at`: (value, length).
#[inline]
fn varint(b: &[u8], at: usize) -> Result<(u64, usize), String> {
    match b.get(at) {
        Some(&c) if c < 0x80 => Ok((u64::from(c), 1)),
        _ => varint_slow(b, at),
    }
}

#[inline(never)]
fn varint_slow(b: &[u8], at: usize) -> Result<(u64, usize), String> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let c = *b.get(at + i).ok_or("truncated varint")?;
        if i == 8 {
            return Ok(((v << 8) | u64::from(c), 9));
        }
        v = (v << 7) | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    unreachable!()
}

impl PageFile {
    /// Opens the database file; `page_size` from `PRAGMA page_size`.
    pub fn open(path: &str, page_size: usize) -> Result<PageFile, String> {
        let file = File::open(path).map_err(|e| e.to_string())?;
        let mut header = [0u8; 100];
        file.read_exact_at(&mut header, 0)
            .map_err(|e| e.to_string())?;
        if &header[..16] != b"SQLite format 3\0" {
            return Err("not a SQLite database".into());
        }
        let raw = usize::from(u16::from_be_bytes([header[16], header[17]]));
        let file_page_size = if raw == 1 { 65_536 } else { raw };
        if file_page_size != page_size || !(512..=65_536).contains(&page_size) {
            return Err("page size mismatch".into());
        }
        if header[56..60] != 1u32.to_be_bytes() {
            return Err("text encoding is not UTF-8".into());
        }
        let reserved = usize::from(header[20]);
        let len = file.metadata().map_err(|e| e.to_string())?.len();
        Ok(PageFile {
            file,
            page_size,
            usable: page_size - reserved,
            pages: len / page_size as u64,
        })
    }

    fn read(&self, pgno: u32, buf: &mut Vec<u8>) -> Result<(), String> {
        if pgno == 0 || u64::from(pgno) > self.pages {
            return Err(format!("page {pgno} out of range"));
        }
        buf.resize(self.page_size, 0);
        self.file
            .read_exact_at(buf, (u64::from(pgno) - 1) * self.page_size as u64)
            .map_err(|e| e.to_string())
    }

    /// Calls `f(rowid, payload)` for every row of the table b-tree rooted at
    /// `root`, in rowid order; stops early when `f` returns `false`.
    pub fn scan(&self, root: u32, f: &mut dyn FnMut(i64, &[u8]) -> bool) -> Result<bool, String> {
        let mut pool: Vec<Vec<u8>> = Vec::new();
        let mut overflow = Vec::new();
        let mut visited = 0u64;
        self.walk(root, 0, f, &mut pool, &mut overflow, &mut visited)
    }

    /// Subtrees covering the table in rowid order, at least `want` of them
    /// when the tree is deep enough (for parallel scans).
    pub fn subtrees(&self, root: u32, want: usize) -> Result<Vec<u32>, String> {
        let mut frontier = vec![root];
        let mut page = Vec::new();
        for _ in 0..4 {
            if frontier.len() >= want {
                break;
            }
            let mut next = Vec::new();
            for &pgno in &frontier {
                self.read(pgno, &mut page)?;
                let off = if pgno == 1 { 100 } else { 0 };
                if page[off] != 0x05 {
                    return Ok(frontier);
                }
                let ncells = be16(&page, off + 3)?;
                for i in 0..ncells {
                    let ptr = be16(&page, off + 12 + 2 * i)?;
                    next.push(be32(&page, ptr)?);
                }
                next.push(be32(&page, off + 8)?);
            }
            frontier = next;
        }
        Ok(frontier)
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        pgno: u32,
        depth: usize,
        f: &mut dyn FnMut(i64, &[u8]) -> bool,
        pool: &mut Vec<Vec<u8>>,
        overflow: &mut Vec<u8>,
        visited: &mut u64,
    ) -> Result<bool, String> {
        *visited += 1;
        if depth > 40 || *visited > self.pages {
            // A corrupt file whose pointers loop.
            return Err("b-tree too deep or cyclic".into());
        }
        let mut page = pool.pop().unwrap_or_default();
        self.read(pgno, &mut page)?;
        let off = if pgno == 1 { 100 } else { 0 };
        let ncells = be16(&page, off + 3)?;
        let result = match page[off] {
            0x05 => {
                let mut go_on = true;
                for i in 0..ncells {
                    let ptr = be16(&page, off + 12 + 2 * i)?;
                    let child = be32(&page, ptr)?;
                    if !self.walk(child, depth + 1, f, pool, overflow, visited)? {
                        go_on = false;
                        break;
                    }
                }
                if go_on {
                    let right = be32(&page, off + 8)?;
                    go_on = self.walk(right, depth + 1, f, pool, overflow, visited)?;
                }
                Ok(go_on)
            }
            0x0D => {
                let mut go_on = true;
                for i in 0..ncells {
                    let ptr = be16(&page, off + 8 + 2 * i)?;
                    let (size, n1) = varint(&page, ptr)?;
                    let (rowid, n2) = varint(&page, ptr + n1)?;
                    let start = ptr + n1 + n2;
                    let size = usize::try_from(size).map_err(|_| "payload too large")?;
                    let payload = self.payload(&page, start, size, overflow)?;
                    if !f(rowid as i64, payload) {
                        go_on = false;
                        break;
                    }
                }
                Ok(go_on)
            }
            t => Err(format!(
                "page {pgno} has type {t:#x}, not a table b-tree page"
            )),
        };
        pool.push(page);
        result
    }

    /// The payload of a leaf cell, following overflow pages when needed.
    fn payload<'a>(
        &self,
        page: &'a [u8],
        start: usize,
        size: usize,
        overflow: &'a mut Vec<u8>,
    ) -> Result<&'a [u8], String> {
        let u = self.usable;
        let x = u - 35;
        if size <= x {
            return page
                .get(start..start + size)
                .ok_or_else(|| "cell beyond page".to_string());
        }
        let m = ((u - 12) * 32 / 255) - 23;
        let k = m + ((size - m) % (u - 4));
        let local = if k <= x { k } else { m };
        overflow.clear();
        overflow.extend_from_slice(page.get(start..start + local).ok_or("cell beyond page")?);
        let mut next = be32(page, start + local)?;
        let mut buf = Vec::new();
        while overflow.len() < size {
            if next == 0 {
                return Err("overflow chain ends early".into());
            }
            self.read(next, &mut buf)?;
            next = be32(&buf, 0)?;
            let take = (size - overflow.len()).min(u - 4);
            overflow.extend_from_slice(&buf[4..4 + take]);
        }
        Ok(&overflow[..])
    }
}

/// Decodes the first `out.len()` columns of a record (missing trailing
/// columns are NULL).
pub fn decode_record<'a>(payload: &'a [u8], out: &mut [Value<'a>]) -> Result<(), String> {
    let (header_len, n) = varint(payload, 0)?;
    let header_len = usize::try_from(header_len).map_err(|_| "bad record header")?;
    if header_len > payload.len() {
        return Err("bad record header".into());
    }
    let mut h = n;
    let mut body = header_len;
    for slot in out.iter_mut() {
        if h >= header_len {
            *slot = Value::Null;
            continue;
        }
        let (t, n) = varint(payload, h)?;
        h += n;
        let (v, len) = match t {
            0 => (Value::Null, 0),
            1..=6 => {
                let len = [0, 1, 2, 3, 4, 6, 8][t as usize];
                let bytes = payload
                    .get(body..body + len)
                    .ok_or("record body truncated")?;
                let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
                for &b in bytes {
                    v = (v << 8) | i64::from(b);
                }
                (Value::Int(v), len)
            }
            7 => {
                payload.get(body..body + 8).ok_or("record body truncated")?;
                (Value::Real, 8)
            }
            8 => (Value::Int(0), 0),
            9 => (Value::Int(1), 0),
            10 | 11 => return Err("reserved serial type".into()),
            t => {
                let len = usize::try_from((t - 12) / 2).map_err(|_| "bad length")?;
                let bytes = payload
                    .get(body..body + len)
                    .ok_or("record body truncated")?;
                if t % 2 == 0 {
                    (Value::Blob(bytes), len)
                } else {
                    (Value::Text(bytes), len)
                }
            }
        };
        *slot = v;
        body += len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(&[0x05], 0).unwrap(), (5, 1));
        assert_eq!(varint(&[0x81, 0x00], 0).unwrap(), (128, 2));
        assert_eq!(varint(&[0xff; 9], 0).unwrap(), (u64::MAX, 9));
        assert!(varint(&[0x81], 0).is_err());
    }

    #[test]
    fn record_serial_types() {
        let types = [0u8, 1, 2, 3, 4, 5, 6, 8, 9, 19, 16, 7];
        let mut rec = vec![types.len() as u8 + 1];
        rec.extend_from_slice(&types);
        rec.push(0xff); // int8 -1
        rec.extend_from_slice(&[0x01, 0x02]); // int16 258
        rec.extend_from_slice(&[0xff, 0xff, 0xfe]); // int24 -2
        rec.extend_from_slice(&1i32.to_be_bytes());
        rec.extend_from_slice(&(1i64 << 40).to_be_bytes()[2..]); // int48
        rec.extend_from_slice(&(-(1i64 << 62)).to_be_bytes());
        rec.extend_from_slice(b"abc");
        rec.extend_from_slice(&[9, 8]);
        rec.extend_from_slice(&1.5f64.to_be_bytes());
        let mut out = [Value::Null; 14];
        decode_record(&rec, &mut out).unwrap();
        assert_eq!(
            out,
            [
                Value::Null,
                Value::Int(-1),
                Value::Int(258),
                Value::Int(-2),
                Value::Int(1),
                Value::Int(1 << 40),
                Value::Int(-(1 << 62)),
                Value::Int(0),
                Value::Int(1),
                Value::Text(b"abc"),
                Value::Blob(&[9, 8]),
                Value::Real,
                Value::Null, // missing trailing columns are NULL
                Value::Null,
            ]
        );
        assert!(decode_record(&rec[..rec.len() - 3], &mut out).is_err());
        assert!(decode_record(&[0x7f], &mut out).is_err());
    }
}
