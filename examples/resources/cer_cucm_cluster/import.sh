# The import ID is the cluster's cucm_address, exactly as it was configured in CER.
terraform import cer_cucm_cluster.example 10.10.20.1
