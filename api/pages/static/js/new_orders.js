// The new-order alert: a card that arrives while the board is open is highlighted, counted in
// the tab's title ("(2) Pickups · ..."), and announced by a short tone the associate can
// switch off (remembered on this tablet). A card stops being new once someone touches it.
import { h } from "./dom.js";

const SOUND_KEY = "omni.board.sound";

export class NewOrderAlert {
  constructor(root, baseTitle) {
    this.baseTitle = baseTitle;
    this.known = null; // every card id seen so far; null before the first board
    this.unseen = new Set();
    this.sound = localStorage.getItem(SOUND_KEY) !== "off";
    this.played = 0;
    this.toggle = h("button", {
      type: "button", class: "secondary sound", "data-testid": "sound-toggle",
      onclick: () => this.switchSound(),
    });
    this.seenAll = h("button", {
      type: "button", class: "new-count", "data-testid": "new-count",
      onclick: () => this.clear(),
    });
    root.append(this.toggle, this.seenAll);
    this.show();
  }

  switchSound() {
    this.sound = !this.sound;
    localStorage.setItem(SOUND_KEY, this.sound ? "on" : "off");
    this.show();
  }

  /** The board's open cards; returns the ids new since the last board (none at load). */
  heard(cards) {
    const fresh = this.known === null ? [] : cards.filter((card) => !this.known.has(card.id));
    this.known = this.known || new Set();
    for (const card of cards) this.known.add(card.id);
    for (const card of fresh) this.unseen.add(card.id);
    if (fresh.length) this.beep();
    this.show();
    return new Set(fresh.map((card) => card.id));
  }

  /** Cards that were there before this page looked (the rest of the board, read after the
   * first columns): known, not new. */
  know(cards) {
    this.known = this.known || new Set();
    for (const card of cards) this.known.add(card.id);
  }

  isNew(id) {
    return this.unseen.has(id);
  }

  seen(id) {
    if (this.unseen.delete(id)) this.show();
  }

  clear() {
    this.unseen.clear();
    for (const card of document.querySelectorAll('[data-new="true"]')) delete card.dataset.new;
    this.show();
  }

  show() {
    const count = this.unseen.size;
    document.title = count ? `(${count}) ${this.baseTitle}` : this.baseTitle;
    // Kept in the layout (only made invisible): the board must not move under a finger.
    this.seenAll.style.visibility = count === 0 ? "hidden" : "visible";
    this.seenAll.textContent = `${count} new · seen`;
    this.toggle.textContent = this.sound ? "Sound on" : "Sound off";
    this.toggle.setAttribute("aria-pressed", String(this.sound));
    this.toggle.dataset.sound = this.sound ? "on" : "off";
    this.toggle.dataset.played = String(this.played);
  }

  beep() {
    if (!this.sound) return;
    this.played += 1;
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
      tone.onended = () => audio.close();
    } catch {
      // no audio device (or not allowed before a first touch): the title and highlight remain
    }
  }
}
