variable "cti_password" {
  description = "Password of the CTI application user in CUCM."
  type        = string
  sensitive   = true
}

variable "capf_auth_string_publisher" {
  description = "CAPF authentication string of the publisher's CTI instance."
  type        = string
  sensitive   = true
}

variable "capf_auth_string_subscriber" {
  description = "CAPF authentication string of the subscriber's CTI instance."
  type        = string
  sensitive   = true
}

variable "axl_password" {
  description = "Password of the AXL application user in CUCM."
  type        = string
  sensitive   = true
}

resource "cer_cucm_cluster" "example" {
  cucm_address         = "10.10.20.1"
  cti_manager          = "10.10.20.1"
  backup_cti_manager_1 = "10.10.20.2"
  backup_cti_manager_2 = "10.10.20.3"
  cti_user             = "CerCtiUser"
  cti_password         = var.cti_password

  teleport_address = "9100"
  teleport_count   = 5
  use_snmpv3       = true

  secure_connection {
    enabled                = true
    tftp_server            = "10.10.20.1"
    tftp_port              = 69
    backup_tftp_server     = "10.10.20.2"
    capf_server            = "10.10.20.1"
    capf_port              = 3804
    publisher_instance_id  = "CER-PUB"
    publisher_auth_string  = var.capf_auth_string_publisher
    subscriber_instance_id = "CER-SUB"
    subscriber_auth_string = var.capf_auth_string_subscriber
  }

  axl {
    username = "CerAxlUser"
    password = var.axl_password
    port     = 8443
  }
}
