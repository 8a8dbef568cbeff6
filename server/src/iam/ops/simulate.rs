//! SimulatePrincipalPolicy and SimulateCustomPolicy.
