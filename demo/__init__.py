"""`make demo`: the whole pipeline on an embedded database against a local SofaScore stand-in."""
