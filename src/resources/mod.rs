pub mod cucm_cluster;
