//! Barcode symbols as module grids, encoded by rxing: Code 128 for the track number and
//! DataMatrix (ECC 200) for the order reference. Drawing them is the PDF and ZPL writers' job.

use super::LabelError;
use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use rxing::{BarcodeFormat, EncodeHints, Writer};

/// The bars of a Code 128 symbol, one entry per module (true = bar), without quiet zones.
pub fn code128(content: &str) -> Result<Vec<bool>, LabelError> {
    Code128Writer
        .encode_oned(content)
        .map_err(|e| LabelError::Barcode(e.to_string()))
}

/// A square (or rectangular) DataMatrix symbol: `rows[y][x]`, true = dark module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// Modules per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Row-major modules.
    pub modules: Vec<bool>,
}

impl Matrix {
    /// Whether the module at (x, y) is dark.
    pub fn get(&self, x: usize, y: usize) -> bool {
        self.modules
            .get(y * self.width + x)
            .copied()
            .unwrap_or(false)
    }
}

/// Encodes `content` as a DataMatrix symbol at its natural size (one module per cell).
pub fn datamatrix(content: &str) -> Result<Matrix, LabelError> {
    let hints = EncodeHints {
        DataMatrixShape: Some(SymbolShapeHint::FORCE_SQUARE),
        ..Default::default()
    };
    let bits = rxing::datamatrix::DataMatrixWriter
        .encode_with_hints(content, &BarcodeFormat::DATA_MATRIX, 0, 0, &hints)
        .map_err(|e| LabelError::Barcode(e.to_string()))?;
    let (width, height) = (bits.width() as usize, bits.height() as usize);
    let mut modules = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            modules.push(bits.get(x as u32, y as u32));
        }
    }
    Ok(Matrix {
        width,
        height,
        modules,
    })
}

/// Runs of bars as `(start module, width in modules)`, for drawing one rectangle per bar.
pub fn bar_runs(modules: &[bool]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &dark) in modules.iter().chain(std::iter::once(&false)).enumerate() {
        match (dark, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i - s));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_have_the_expected_shape() {
        let bars = code128("80093053624992").unwrap();
        assert!(
            bars[0] && bars[bars.len() - 1],
            "starts and ends with a bar"
        );
        assert_eq!(
            bars.len() % 11,
            2,
            "11 modules per symbol plus the 2-module stop bar"
        );
        let matrix = datamatrix("0190f6b5-7c1e-7a1b-9c3d-2e4f5a6b7c8d").unwrap();
        assert_eq!(matrix.width, matrix.height);
        assert!(
            (0..matrix.height).all(|y| matrix.get(0, y)),
            "the solid finder edge"
        );
        assert_eq!(bar_runs(&[true, true, false, true]), vec![(0, 2), (3, 1)]);
    }
}
