//! Temporary entry points while the pipeline is written (replaced in the next commit).
use proc_macro::TokenStream;
#[proc_macro_attribute] pub fn traced_actor(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn traced_channel(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn traced(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn span(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn event(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn untraced(_a: TokenStream, i: TokenStream) -> TokenStream { i }
