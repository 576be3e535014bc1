def as_rows(totals):
    return [{"site": site, "total": round(total, 2)} for site, total in sorted(totals.items())]
