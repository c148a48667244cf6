# メールテキスト化方式 (R20): only the conversion server delivers to the LGWAN mail server.
  { name = "mail-text"; class = "sanitised-relay"; method = "mail-text"; from = "mail-conv";
    to = "mail-lg"; proto = "tcp"; ports = [25]; approval = "AP-YYYY-NNN";
    purpose = "メール本文のテキスト化転送"; },
