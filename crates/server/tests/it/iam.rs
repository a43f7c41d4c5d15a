//! The IAM API through `Service::handle`: awsQuery form bodies in, XML
//! out, on a real store, as the account root or as IAM users whose access
//! keys the API made (their policies loaded by the identity directory, as
//! for a signed request).

mod access;
mod builtin;
mod client;
mod groups;
mod keys;
mod policies;
mod roles;
mod users;
