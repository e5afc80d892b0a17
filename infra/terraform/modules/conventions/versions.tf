terraform {
  # 1.9 lets a variable's validation refer to other variables (project_id depends on cloud).
  required_version = ">= 1.9"
}
