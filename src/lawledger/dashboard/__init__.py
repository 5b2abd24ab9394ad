"""The staff home page's figures (dashboard) and the header search, both read through the access
policy and audited; the charts' geometry is computed here and drawn as SVG by the templates."""
