"""Market data: the canonical tables (``model``), where they come from (``providers``) and the
local cache they are kept in (``store``)."""
