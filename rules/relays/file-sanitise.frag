# ファイル無害化 (R22): only the sanitiser delivers into the LGWAN file drop.
  { name = "file-import"; class = "sanitised-relay"; method = "file-sanitise"; from = "sanitiser";
    to = "file-lg"; proto = "tcp"; ports = [22]; approval = "AP-YYYY-NNN";
    purpose = "無害化済みファイルの取り込み"; },
