# 画面転送方式 (R21): LGWAN terminals reach only the screen-transfer servers, one port, one way.
  { name = "screen"; class = "sanitised-relay"; method = "screen-transfer"; from = "lg-terminals";
    to = "vdi"; proto = "tcp"; ports = [8443]; approval = "AP-YYYY-NNN";
    purpose = "インターネット閲覧の画面転送"; },
