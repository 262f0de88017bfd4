# Terraform 1.5 and later: import with a configuration block. The ID is the
# cluster's cucm_address.
import {
  to = cer_cucm_cluster.example
  id = "10.10.20.1"
}
