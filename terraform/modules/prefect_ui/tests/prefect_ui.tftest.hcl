# Offline checks of the UI address: the module has no provider, so plan runs anywhere.

variables {
  account_id   = "a1"
  workspace_id = "w1"
}

run "cloud_workspace" {
  command = plan

  variables {
    api_url = "https://api.prefect.cloud"
  }

  assert {
    condition     = output.url == "https://app.prefect.cloud/account/a1/workspace/w1"
    error_message = "a Prefect Cloud workspace's UI is app.prefect.cloud/account/<id>/workspace/<id>"
  }
}

run "self_hosted_beside_its_api" {
  command = plan

  variables {
    api_url = "https://prefect.example.com/api"
  }

  assert {
    condition     = output.url == "https://prefect.example.com"
    error_message = "a self-hosted server's UI is its API URL without /api"
  }
}

run "given_address_wins" {
  command = plan

  variables {
    api_url = "http://prefect-server.prefect.svc:4200/api"
    ui_url  = "https://prefect.example.com"
  }

  assert {
    condition     = output.url == "https://prefect.example.com"
    error_message = "a given ui_url must be used as it is"
  }
}

run "not_a_link_is_refused" {
  command = plan

  variables {
    api_url = "https://api.prefect.cloud"
    ui_url  = "prefect.example.com"
  }

  expect_failures = [var.ui_url]
}
