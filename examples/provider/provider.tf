# Every argument can instead come from an environment variable, which keeps
# credentials out of the configuration:
#
#   CER_URL                    url
#   CER_USERNAME               username
#   CER_PASSWORD               password
#   CER_INSECURE               insecure
#   CER_CA_CERTIFICATE         ca_certificate (PEM text)
#   CER_REQUEST_TIMEOUT        request_timeout
#   CER_MAX_RETRIES            max_retries
#   CER_MAX_PARALLEL_REQUESTS  max_parallel_requests
#
# An argument set in the configuration takes precedence over its variable.

terraform {
  required_providers {
    cer = {
      source = "cisco-cer/cer"
    }
  }
}

variable "cer_url" {
  description = "Base URL of the Cisco Emergency Responder server."
  type        = string
  default     = "https://cer.example.com"
}

variable "cer_username" {
  description = "CER administrator with access to the REST API."
  type        = string
}

variable "cer_password" {
  description = "Password of the CER administrator."
  type        = string
  sensitive   = true
}

variable "cer_ca_certificate" {
  description = "PEM of the CA that signed the CER server certificate, e.g. file(\"cer-ca.pem\"). Null uses the system roots."
  type        = string
  default     = null
}

provider "cer" {
  url      = var.cer_url
  username = var.cer_username
  password = var.cer_password

  # Trust a private CA instead of the system roots. Never set `insecure = true`
  # outside a lab.
  ca_certificate = var.cer_ca_certificate

  request_timeout       = 60
  max_retries           = 3
  max_parallel_requests = 10
}
