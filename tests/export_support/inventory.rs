//! The traced handlers the export tests and `export-child` run: a
//! reservation whose nested check fails above a quantity of 3.

use std::fmt;

use tracewire::prelude::*;

#[derive(Debug)]
pub struct OutOfStock;

impl fmt::Display for OutOfStock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("out of stock")
    }
}

pub struct Inventory;

#[traced_actor]
impl Inventory {
    pub async fn reserve(&self, sku: &str, quantity: u64) -> Result<(), OutOfStock> {
        self.check(sku, quantity).await
    }

    async fn check(&self, sku: &str, quantity: u64) -> Result<(), OutOfStock> {
        if quantity > 3 {
            Err(OutOfStock)
        } else {
            Ok(())
        }
    }
}

/// Reserves `quantity` of `sku-1` on a fresh current-thread runtime.
pub fn reserve(quantity: u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let _ = runtime.block_on(Inventory.reserve("sku-1", quantity));
}
