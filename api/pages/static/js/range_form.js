// The dashboard's date controls: first and last day, the usual spans in one click, and the
// CSV of what is shown. A range that cannot be shown is said in words and asks for nothing.
import { h } from "./dom.js";
import { PRESETS, lastDays, problemWith, todayIn } from "./range.js";

export class RangeForm {
  constructor(form, range, { timeZone, onRange, onDownload }) {
    Object.assign(this, { form, timeZone, onRange });
    const today = todayIn(timeZone); // no figures after today yet
    const day = (name, value) => h("input", { type: "date", name, required: true, value, max: today });
    this.first = day("from", range.first);
    this.last = day("to", range.last);
    this.error = h("span", { class: "form-error", role: "alert", "data-testid": "range-error" });
    const presets = PRESETS.map((days) => h("button", {
      type: "button", class: "secondary", "data-days": days, onclick: () => this.preset(days),
    }, `${days} days`));
    form.append(
      h("label", {}, "From ", this.first), h("label", {}, "To ", this.last),
      h("button", { type: "submit" }, "Show"),
      h("span", { class: "presets", role: "group", "aria-label": "Last days" }, presets),
      h("button", { type: "button", class: "secondary", id: "download-csv", onclick: onDownload },
        "Download CSV"),
      this.error,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.choose({ first: this.first.value, last: this.last.value });
    });
  }

  preset(days) {
    const range = lastDays(days, this.timeZone);
    [this.first.value, this.last.value] = [range.first, range.last];
    this.choose(range);
  }

  choose(range) {
    const problem = problemWith(range);
    this.error.textContent = problem || "";
    if (!problem) this.onRange(range);
  }
}
