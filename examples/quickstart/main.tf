# The configuration that `scripts/demo` applies against the CER simulator.
#
# The provider block is empty: url, username, password and ca_certificate come
# from CER_URL, CER_USERNAME, CER_PASSWORD and CER_CA_CERTIFICATE.

terraform {
  required_version = ">= 1.5"

  required_providers {
    cer = {
      source = "cisco-cer/cer"
    }
  }
}

provider "cer" {}

variable "cti_password" {
  description = "Password of the CTI application user in CUCM."
  type        = string
  sensitive   = true
  default     = "demo-cti-password"
}

variable "axl_password" {
  description = "Password of the AXL application user in CUCM."
  type        = string
  sensitive   = true
  default     = "demo-axl-password"
}

variable "capf_auth_string" {
  description = "CAPF authentication string for the CTI instances."
  type        = string
  sensitive   = true
  default     = "demo-capf-auth"
}

# The smallest possible cluster: only the required arguments.
resource "cer_cucm_cluster" "branch" {
  cucm_address = "192.0.2.10"
  cti_manager  = "192.0.2.10"
  cti_user     = "CerCtiUser"
  cti_password = var.cti_password
}

# A cluster with a backup CTI manager, a secure (CAPF) connection and AXL.
resource "cer_cucm_cluster" "headquarters" {
  cucm_address         = "cucm-pub.example.com"
  cti_manager          = "198.51.100.11"
  backup_cti_manager_1 = "198.51.100.12"
  cti_user             = "CerCtiUser"
  cti_password         = var.cti_password
  teleport_address     = "9200"
  teleport_count       = 2
  use_snmpv3           = true

  secure_connection {
    enabled                = true
    tftp_server            = "198.51.100.11"
    backup_tftp_server     = "198.51.100.12"
    capf_server            = "198.51.100.11"
    publisher_instance_id  = "CER-PUB"
    publisher_auth_string  = var.capf_auth_string
    subscriber_instance_id = "CER-SUB"
    subscriber_auth_string = var.capf_auth_string
  }

  axl {
    username = "CerAxlUser"
    password = var.axl_password
  }
}

output "branch_id" {
  description = "ID (the CUCM address) of the minimal cluster."
  value       = cer_cucm_cluster.branch.id
}

output "headquarters_id" {
  description = "ID (the CUCM address) of the cluster with secure connection and AXL."
  value       = cer_cucm_cluster.headquarters.id
}
